/**
 * The scripted HTTP flows a worker runs beside its SIP calls, and the UAS that
 * answers the platform's outbound calls for them.
 *
 * Each flow arrives as an open model over its own stages (load/models/open, the
 * same schedule code as SIP arrivals), split across workers by segment, so every
 * worker runs its share of every flow — and the INVITE a flow's originate causes
 * comes back to the UAS of the same worker (the {{uas.uri}} it sent names that
 * worker's port): the originate and its INVITE meet in one thread, on one clock.
 * A flow start that finds the worker's share of `maxConcurrent` taken is counted
 * as blocked.
 *
 * Results are bucketed per reporting interval like the SIP metrics: per flow a
 * whole-flow HDR histogram and counters, per step a histogram, status codes and
 * errors; for the UAS the dial latency histogram (INVITE arrival − intended send
 * of the originating request), leg counters and 100 ms established-call samples.
 * They are shipped as catalogue series tagged with the flow (and step) name
 * (metrics/interval.ts putFlow, putOutbound).
 */
import { setMaxListeners } from 'node:events';
import type { Agent } from 'undici';
import type { FlowSpec, UasSpec } from '../scenario/types.js';
import type { OutboundRulesSpec } from '../scenario/outbound-rules.js';
import { compileFlow, FlowInstance, runFlowInstance, type CompiledFlow, type FlowEnv, type FlowOutcome } from '../http/flows/engine.js';
import { pickRow, type FeederData } from '../http/flows/feeder.js';
import type { VarValue } from '../http/flows/template.js';
import { createArrivalIterator } from '../load/models/open.js';
import { ArrivalLoop } from '../load/arrival-loop.js';
import { shareOf, type Segment } from '../load/segments.js';
import { mulberry32 } from '../util/random.js';
import { recordMs } from '../metrics/histograms.js';
import { CallCentre, type CallCentreCounters } from '../simulator/call-centre.js';
import { getHeader, nameAddrUri, splitHeaderList } from '../sip/message/headers.js';
import { bracketHost, formatHostPort } from '../sip/message/builder.js';
import type { SipMessage } from '../sip/message/message.js';
import { sipUriUser } from '../sip/message/uri.js';
import { redactUrisInText } from '../scenario/secrets.js';
import { round3 } from '../metrics/round.js';
import {
  bump, emptyFlowBucket, emptyOutboundBucket, emptyStepBucket, putFlow, putOutbound, type FlowBucket, type IntervalReport,
} from '../metrics/interval.js';
import type { Measures } from '../metrics/measures.js';

/** A flow as a worker gets it: URLs' base and default headers resolved, feeder rows read on the main thread. */
export interface FlowWorkerSpec {
  spec: FlowSpec;
  baseUrl: string | null;
  headers: Record<string, string>;
  feeder: FeederData | null;
}

/** After hanging up at the end, how long to wait for the BYEs' answers. */
const END_BYE_WAIT_MS = 2000;

const SAMPLE_MS = 100;

/** One step of one flow instance in flows.jsonl: its latency (from the step's intended start), status, failure cause. */
interface StepRecord {
  step: string;
  ms: number | null;
  status: number | null;
  cause: string | null;
}
const REJECTS = ['480', '486', '487', '503'];

interface Running {
  w: FlowWorkerSpec;
  flow: CompiledFlow;
  arrivals: ArrivalLoop | null;
  cap: number;
  active: number;
  bucket: FlowBucket;
  /** The first step whose request names {{uas.*}}: its answer is the API's answer to the originate. */
  originStep: string | null;
  /** Its place in the scenario's flows (correlation keys of two flows must not collide). */
  no: number;
}

/**
 * The calling line of an INVITE: P-Asserted-Identity's user (or tel: number) when the platform
 * asserts one, else From's user; and the callee, To's user (else the Request-URI's).
 */
export function inviteParties(msg: SipMessage): { line: string; lineFrom: 'pai' | 'from'; callee: string } {
  const pai = getHeader(msg, 'p-asserted-identity');
  let line = '';
  let lineFrom: 'pai' | 'from' = 'from';
  if (pai !== undefined) {
    // The sip: identity when both a sip: and a tel: one are asserted (RFC 3325 §9.1), else the first.
    const ids = splitHeaderList(pai).map(nameAddrUri);
    const pick = ids.find((u) => /^sips?:/i.test(u)) ?? ids[0];
    if (pick !== undefined) line = uriNumber(pick);
    if (line !== '') lineFrom = 'pai';
  }
  if (line === '') line = uriNumber(nameAddrUri(getHeader(msg, 'from') ?? ''));
  const to = uriNumber(nameAddrUri(getHeader(msg, 'to') ?? ''));
  return { line, lineFrom, callee: to !== '' ? to : sipUriUser(msg.requestUri) };
}

/** The user of a sip:/sips: URI, or the number of a tel: URI (parameters dropped). */
function uriNumber(uri: string): string {
  if (/^tel:/i.test(uri)) {
    const n = uri.slice(4);
    const semi = n.indexOf(';');
    return semi < 0 ? n : n.slice(0, semi);
  }
  return sipUriUser(uri);
}

export class FlowRuns {
  private readonly runs: Running[] = [];
  private readonly abort = new AbortController();
  private agent: Agent | null = null;
  private readonly random: () => number;
  private readonly inFlight = new Set<Promise<void>>();
  /** Correlation key (the user part of {{uas.uri}}) → the instance waiting for its INVITE, and its flow. */
  private readonly byKey = new Map<string, { inst: FlowInstance; flow: string }>();
  /** outbound-rules.jsonl lines since the last interval (scenario outboundRules): every INVITE, every originate. */
  private ruleRecords: string[] = [];
  private uas: CallCentre | null = null;
  private uasBase = { offered: 0, answered: 0, completed: 0, failed: 0 };
  private outbound = emptyOutboundBucket();
  private samples: Array<[number, number]> = [];
  private sampleSeq = 0;
  private sampleTimer: NodeJS.Timeout | null = null;
  private stopping = false;
  /** flows.jsonl lines of instances that ended (or were blocked) since the last interval. */
  private records: string[] = [];

  constructor(
    private readonly specs: readonly FlowWorkerSpec[],
    private readonly o: {
      segment: Segment; seed: number; startAt: number; uas: UasSpec | null; localAddress: string; worker: number;
      /** The outbound-rule probe: null, no INVITE or originate is written down. */
      rules?: OutboundRulesSpec | null;
    },
  ) {
    this.random = mulberry32((o.seed ^ 0x2545f491) >>> 0);
    // One signal is shared by every request and pause in progress.
    setMaxListeners(0, this.abort.signal);
  }

  get hasUas(): boolean {
    return this.o.uas !== null;
  }

  /** Opens the UAS (if any) and arms every flow's schedule on the run clock. */
  async start(): Promise<void> {
    const specs = this.specs;
    if (specs.length > 0) {
      // One Agent for all flows of the worker: a pool of `connections` per origin (the largest asked for).
      // undici is imported here, not at load: a run without flows does not pay for it (start-up, ~5 MB of heap).
      const { Agent } = await import('undici');
      const connections = Math.max(1, ...specs.map((s) => s.spec.connections));
      const timeoutMs = Math.max(1, ...specs.map((s) => s.spec.timeoutMs));
      this.agent = new Agent({ connections, headersTimeout: timeoutMs, bodyTimeout: timeoutMs, connect: { timeout: timeoutMs } });
    }
    const u = this.o.uas;
    if (u !== null) {
      this.uas = await CallCentre.start({
        address: this.o.localAddress, port: 0, transport: 'udp',
        capacity: u.capacity, ringMs: u.ringMs, answerRatio: u.answerRatio, calleeHangupMs: u.hangupMs,
        onInvite: (msg) => this.onInvite(msg),
      });
      this.sampleTimer = setTimeout(() => this.sample(), Math.max(0, this.o.startAt + SAMPLE_MS - performance.now()));
    }
    for (const w of this.specs) {
      const flow = compileFlow(w.spec, w.baseUrl, w.headers);
      const r: Running = {
        w, flow, arrivals: null, cap: Math.max(1, shareOf(w.spec.maxConcurrent, this.o.segment)), active: 0,
        bucket: emptyFlowBucket(flow.stepNames),
        originStep: flow.steps.find((st) => (st.kind === 'request' || st.kind === 'poll') && st.req.originates)?.name ?? null,
        no: this.runs.length,
      };
      const iter = createArrivalIterator({ arrivals: w.spec.arrivals, stages: w.spec.stages }, this.o.segment, this.o.seed);
      r.arrivals = new ArrivalLoop(iter, { startAt: this.o.startAt, onArrival: (index, intended) => this.arrive(r, index, intended) });
      this.runs.push(r);
      r.arrivals.start();
    }
  }

  private arrive(r: Running, index: number, intended: number): void {
    const b = r.bucket;
    if (r.active >= r.cap) {
      b.blocked++;
      this.records.push(JSON.stringify({ flow: r.w.spec.name, i: index, w: this.o.worker, intendedMs: this.rel(intended), cause: 'blocked' }));
      return;
    }
    b.started++;
    const vars = new Map<string, VarValue>(Object.entries(r.w.spec.vars));
    vars.set('flowId', index);
    vars.set('worker', this.o.worker);
    // Unique across the worker's flows: the first flow's instances are cc<flowId>, the k-th's cc<flowId>-f<k>.
    const key = r.no === 0 ? `cc${index}` : `cc${index}-f${r.no}`;
    if (this.uas !== null) {
      vars.set('uas.user', key);
      // As it goes into a URI: an IPv6 address in brackets.
      vars.set('uas.host', bracketHost(this.uas.address));
      vars.set('uas.port', this.uas.port);
      vars.set('uas.uri', `sip:${key}@${formatHostPort(this.uas.address, this.uas.port)}`);
    }
    const inst = new FlowInstance(index, intended, vars);
    const f = r.w.feeder;
    if (f !== null) {
      const row = pickRow(f, index, this.random);
      if (row === null) {
        this.ended(r, inst, [], { ok: false, cause: 'feeder_exhausted', step: null, detail: `flow ${index}: the feeder's ${f.rows.length} row(s) are used up (recycle: false)`, flowMs: null });
        return;
      }
      f.columns.forEach((c, i) => vars.set(c, row[i]));
    }
    if (this.uas !== null) this.byKey.set(key, { inst, flow: r.w.spec.name });
    r.active++;
    const env: FlowEnv = { dispatcher: this.agent!, now: () => performance.now(), random: this.random, signal: this.abort.signal };
    const steps: StepRecord[] = [];
    const sink = {
      step: (name: string, latencyMs: number | null, status: number | null, cause: string | null) => {
        steps.push({ step: name, ms: latencyMs === null ? null : round3(latencyMs), status, cause });
        const s = (r.bucket.steps[name] ??= emptyStepBucket());
        s.count++;
        if (status !== null) bump(s.statusCodes, String(status));
        if (latencyMs !== null && cause === null) recordMs(s.hist, latencyMs);
        if (cause !== null) {
          bump(s.errors, cause);
          if (cause === 'status' && status !== null) bump(r.bucket.unexpectedStatus, String(status));
        }
      },
    };
    const p = runFlowInstance(r.flow, inst, env, sink).then((out) => {
      r.active--;
      this.byKey.delete(key);
      if (this.o.rules != null) this.ruleRequest(r, inst, steps);
      this.ended(r, inst, steps, out);
    });
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  private ended(r: Running, inst: FlowInstance, steps: StepRecord[], out: FlowOutcome): void {
    this.records.push(this.record(r, inst, steps, out));
    const b = r.bucket;
    if (out.ok) {
      b.completed++;
      if (out.flowMs !== null) recordMs(b.hist, out.flowMs);
      return;
    }
    b.failed++;
    const cause = out.cause ?? 'other';
    bump(b.errorsByCause, cause);
    if (b.examples[cause] === undefined && out.detail !== null) b.examples[cause] = out.step === null ? out.detail : `${out.step}: ${out.detail}`;
  }

  /** ms since the run start, µs precision; null for "never". */
  private rel(t: number): number | null {
    return t > 0 ? round3(t - this.o.startAt) : null;
  }

  /**
   * One flows.jsonl line: what happened to one flow instance, step by step, so the
   * report's flow and outbound figures can be traced to the instances they came from.
   * The failure detail may quote a URL: credentials in it are blanked.
   */
  private record(r: Running, inst: FlowInstance, steps: StepRecord[], out: FlowOutcome): string {
    return JSON.stringify({
      flow: r.w.spec.name,
      i: inst.id,
      w: this.o.worker,
      intendedMs: this.rel(inst.intendedAt),
      endMs: this.rel(performance.now()),
      ok: out.ok,
      cause: out.cause,
      failedStep: out.step,
      detail: out.detail === null ? null : redactUrisInText(out.detail),
      flowMs: out.flowMs === null ? null : round3(out.flowMs),
      steps,
      // Outbound: the originate's intended send and its INVITE's arrival at our UAS.
      originateMs: this.rel(inst.originateAt),
      inviteMs: this.rel(inst.inviteAt),
      dialMs: inst.originateAt > 0 && inst.inviteAt > 0 ? round3(inst.inviteAt - inst.originateAt) : null,
    });
  }

  /** Epoch ms of a performance.now() time, µs precision: the wall clock the rules' days and windows need. */
  private epoch(t: number): number {
    return round3(performance.timeOrigin + t);
  }

  /**
   * outbound-rules.jsonl: one originate request — the line it asked for (the flow's `lineVar`), when it
   * was sent (intended), the API's answer to it, and whether its INVITE came.
   */
  private ruleRequest(r: Running, inst: FlowInstance, steps: StepRecord[]): void {
    if (r.originStep === null || inst.originateAt === 0) return;
    const v = inst.vars.get(this.o.rules!.lineVar);
    const step = steps.find((st) => st.step === r.originStep);
    this.ruleRecords.push(JSON.stringify({
      kind: 'request', flow: r.w.spec.name, i: inst.id, w: this.o.worker,
      line: v === undefined || v === null ? null : typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v),
      atMs: this.epoch(inst.originateAt), tMs: this.rel(inst.originateAt),
      status: step?.status ?? null, cause: step?.cause ?? null,
      inviteAtMs: inst.inviteAt > 0 ? this.epoch(inst.inviteAt) : null,
    }));
  }

  private onInvite(msg: SipMessage): void {
    const at = performance.now();
    const c = this.o.uas!.correlate;
    const key = c.kind === 'user' ? sipUriUser(msg.requestUri) : (getHeader(msg, c.name) ?? '').trim();
    const hit = this.byKey.get(key);
    const inst = hit?.inst;
    if (this.o.rules != null) {
      // Every INVITE, matched or not: what the platform did is the evidence, whoever asked for it.
      const p = inviteParties(msg);
      this.ruleRecords.push(JSON.stringify({
        kind: 'invite', w: this.o.worker, atMs: this.epoch(at), tMs: this.rel(at), callId: msg.callId,
        line: p.line, lineFrom: p.lineFrom, callee: p.callee,
        flow: inst === undefined || inst.inviteAt !== 0 ? null : hit!.flow, i: inst === undefined || inst.inviteAt !== 0 ? null : inst.id,
      }));
    }
    if (inst === undefined || inst.inviteAt !== 0) {
      this.outbound.uncorrelated++;
      return;
    }
    if (inst.originateAt > 0) recordMs(this.outbound.dialHist, at - inst.originateAt);
    inst.invite(at);
  }

  /** Established calls at the UAS: answered and not yet ended. */
  private established(): number {
    const c = this.uas?.counters;
    return c === undefined ? 0 : c.answered - c.completed - c.noAck;
  }

  private sample(): void {
    this.sampleSeq++;
    this.samples.push([this.sampleSeq, this.established()]);
    this.sampleTimer = setTimeout(() => this.sample(), Math.max(0, this.o.startAt + (this.sampleSeq + 1) * SAMPLE_MS - performance.now()));
  }

  /**
   * Writes this interval's series of each flow (tags `flow`, `step`) and of the UAS into `out`, starts fresh
   * buckets, and returns what is not a series: the UAS's samples, each flow's failure examples, the flows.jsonl lines.
   */
  takeInterval(out: Measures): Pick<IntervalReport, 'outboundSamples' | 'flowExamples' | 'flowRecords' | 'outboundRuleRecords'> {
    const flowRecords = this.records.length > 0 ? this.records.join('\n') + '\n' : '';
    this.records = [];
    const outboundRuleRecords = this.ruleRecords.length > 0 ? this.ruleRecords.join('\n') + '\n' : undefined;
    this.ruleRecords = [];
    let flowExamples: Record<string, Record<string, string>> | undefined;
    for (const r of this.runs) {
      const b = r.bucket;
      putFlow(out, r.w.spec.name, b);
      for (const _ in b.examples) {
        (flowExamples ??= {})[r.w.spec.name] = b.examples;
        break;
      }
      r.bucket = emptyFlowBucket(r.flow.stepNames);
    }
    let outboundSamples: Array<[number, number]> | undefined;
    if (this.uas !== null) {
      const now = legCounts(this.uas.counters);
      putOutbound(out, {
        ...this.outbound,
        offered: now.offered - this.uasBase.offered, answered: now.answered - this.uasBase.answered,
        completed: now.completed - this.uasBase.completed, failed: now.failed - this.uasBase.failed,
      });
      outboundSamples = this.samples;
      this.uasBase = now;
      this.outbound = emptyOutboundBucket();
      this.samples = [];
    }
    return {
      flowRecords,
      ...(outboundRuleRecords === undefined ? {} : { outboundRuleRecords }),
      ...(flowExamples === undefined ? {} : { flowExamples }),
      ...(outboundSamples === undefined ? {} : { outboundSamples }),
    };
  }

  /** Stops flow arrivals; flows in progress go on (done() bounds them). */
  stop(): void {
    this.stopping = true;
    for (const r of this.runs) r.arrivals?.stop();
  }

  /**
   * Waits at most `drainMs` for flows in progress, then aborts what is left (counted as
   * `aborted`), then waits (in the same bound) for the UAS calls to end — the platform hangs
   * them up after its hold. Calls still up then (at once when `interrupted`) are counted as
   * unfinished and hung up by callcert (BYE, answers awaited END_BYE_WAIT_MS).
   */
  async done(drainMs: number, interrupted = false): Promise<void> {
    this.stop();
    const deadline = performance.now() + drainMs;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<void>((resolve) => (timer = setTimeout(resolve, drainMs)));
    await Promise.race([Promise.allSettled([...this.inFlight]), expired]);
    if (this.inFlight.size > 0) {
      this.abort.abort();
      await Promise.allSettled([...this.inFlight]);
    }
    // Bounded: polled every 50 ms until the deadline.
    while (!interrupted && this.uas !== null && this.established() > 0 && performance.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    clearTimeout(timer);
    if (this.uas !== null && this.established() > 0) {
      this.outbound.unfinished += this.uas.hangupAll();
      const byeDeadline = performance.now() + END_BYE_WAIT_MS;
      while (this.established() > 0 && performance.now() < byeDeadline) await new Promise((r) => setTimeout(r, 50));
    }
    if (this.sampleTimer !== null) clearTimeout(this.sampleTimer);
    this.sampleTimer = null;
    // One last sample so the series shows the end state.
    if (this.uas !== null) this.samples.push([++this.sampleSeq, this.established()]);
    await this.agent?.close().catch(() => {});
  }

  /** After the last interval was taken. */
  async close(): Promise<void> {
    await this.uas?.close();
  }
}

function legCounts(c: CallCentreCounters) {
  let rejected = 0;
  for (const k of REJECTS) rejected += c.responsesSent[k] ?? 0;
  return { offered: c.invites, answered: c.answered, completed: c.completed, failed: rejected + c.noAck };
}
