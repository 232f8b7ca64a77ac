/**
 * Drives one worker's segment of the load: starts calls when the plan says,
 * hangs them up after their hold time, and measures everything from the
 * *intended* start of each call so a late generator cannot hide latency.
 *
 * Open model: arrivals from the executor's schedule, refused (counted as
 * blocked) when this segment's share of the concurrency cap is taken.
 * Closed model: keeps the segment's share of the target concurrency
 * established; when a call's hold expires its replacement starts first and the
 * BYE is sent once the replacement is answered (make-before-break, BRIEF §4).
 */
import { getHeapStatistics } from 'node:v8';
import type { HttpLoadSpec, Scenario } from '../scenario/types.js';
import { HttpRuns } from './http-runs.js';
import { FlowRuns, type FlowWorkerSpec } from './flow-runs.js';
import type { SipMessage } from '../sip/message/message.js';
import type { Peer, SipTransport } from '../sip/transport/types.js';
import { openTransport } from '../sip/transport/registry.js';
import { Uac, Call, CallState, type UacListener } from '../sip/ua/caller.js';
import { createCallParties, type PartyFor } from './call-identity.js';
import type { CallData } from '../scenario/call-data.js';
import { g711Sdp } from '../sip/message/builder.js';
import { createArrivalIterator } from '../load/models/open.js';
import { ArrivalLoop } from '../load/arrival-loop.js';
import { segmentTargetAt, nextChangeMs } from '../load/models/closed.js';
import { shareOf, type Segment } from '../load/segments.js';
import { createHoldSampler } from '../scenario/hold.js';
import { mulberry32 } from '../util/random.js';
import { createLatencyHistogram, encodeHistogram, recordMs, type Histogram } from '../metrics/histograms.js';
import { createHealthMonitor, type HealthMonitor } from '../metrics/health.js';
import { type ResolvedTarget, type WorkerDone } from './protocol.js';
import { round3 } from '../metrics/round.js';
import { bump, emptyCounters, type Counters, type IntervalReport } from '../metrics/interval.js';
import { totalDurationMs } from '../load/stages.js';

export interface DriverOptions {
  scenario: Scenario;
  target: ResolvedTarget;
  localAddress: string;
  segment: Segment;
  /** performance.now() value of the run start in this thread. */
  startAt: number;
  seed: number;
  drainMs: number;
  userAgent: string;
  http: HttpLoadSpec[];
  /** HTTP flows (and the scenario's UAS) run by this worker beside the calls. */
  flows?: FlowWorkerSpec[];
  /** call.data's rows (call-identity.ts renders each call's party from its row); null: none. */
  callData?: CallData | null;
  emit(report: IntervalReport): void;
}

const SAMPLE_MS = 100;
/** On stop, established calls are hung up in batches (10,000 BYEs a second). */
const STOP_BYE_BATCH = 100;
const STOP_BYE_INTERVAL_MS = 10;
/** On stop, calls still being set up may be answered this long before they are CANCELled. */
const STOP_SETUP_GRACE_MS = 2000;
/** Closed model: pause before a slot whose call failed is dialled again. */
export const FAILED_SLOT_RETRY_MS = 1000;
const INTERVAL_MS = 1000;

/**
 * The driver's own state for one call, kept on the SIP record's `slot` (the UAC never reads it):
 * who the call is in the schedule, its hold, and the run's bookkeeping.
 */
export class CallSlot {
  holdTimer: NodeJS.Timeout | null = null;
  /** Closed model, make-before-break: the established call this one replaces once answered. */
  replaces: DriverCall | null = null;
  /** Closed model: this call's channel slot was handed to a replacement or released. */
  released = false;
  /** The run's end hung this call up before its hold elapsed. */
  cutAtEnd = false;
  constructor(
    /** Call index in the whole run's schedule (striped across workers). */
    readonly index: number,
    /** When the schedule meant the call to start (performance.now() ms). */
    readonly intendedAt: number,
    readonly holdMs: number,
  ) {}
}

type DriverCall = Call<CallSlot>;

export class LoadDriver implements UacListener<CallSlot> {
  private transport!: SipTransport;
  private uac!: Uac<CallSlot>;
  private readonly health: HealthMonitor;
  private readonly holdSample: () => number;
  private counters: Counters = emptyCounters();
  private setupHist: Histogram = createLatencyHistogram();
  private pddHist: Histogram = createLatencyHistogram();
  private pddFailedHist: Histogram = createLatencyHistogram();
  private sddHist: Histogram = createLatencyHistogram();
  private samples: Array<[number, number, number]> = [];
  private calls: string[] = [];
  private offered = 0;
  private established = 0;
  /** Closed model: call slots held (calls in progress not yet replaced). */
  private committed = 0;
  private nextIndex: number;
  private stopping = false;
  /** The last stage is over: no call starts; calls still up run to their hold, bounded by load.gracefulStopMs. */
  private draining = false;
  private stopReason = '';
  private interrupted = false;
  private readonly endAt: number;
  private timers = new Set<NodeJS.Timeout>();
  private sampleSeq = 0;
  private retransReported = 0;
  private closed = false;
  private intervalSeq = 0;
  private finished!: (d: WorkerDone) => void;
  private readonly done: Promise<WorkerDone>;
  private readonly onHoldExpired = (c: DriverCall) => this.holdExpired(c);
  /** Who call k is (From, dialled user, credentials, headers). */
  private readonly partyFor: PartyFor;
  private readonly httpRuns: HttpRuns;
  private readonly flowRuns: FlowRuns;
  /** Open model: the schedule, its next arrival, this segment's share of the cap. */
  private arrivals: ArrivalLoop | null = null;
  private cap = Infinity;

  constructor(private readonly o: DriverOptions) {
    this.health = createHealthMonitor();
    this.holdSample = createHoldSampler(o.scenario.call.hold, mulberry32(o.seed));
    this.partyFor = createCallParties({
      call: o.scenario.call, targetUri: o.target.uri, auth: o.scenario.target?.auth ?? null, data: o.callData ?? null,
      random: mulberry32((o.seed ^ 0x2545f491) >>> 0),
    });
    this.endAt = o.startAt + totalDurationMs(o.scenario.load.stages);
    // Closed-model call indexes are striped like open-model ones, so they are unique across workers.
    this.nextIndex = o.segment.index;
    this.done = new Promise((resolve) => (this.finished = resolve));
    this.httpRuns = new HttpRuns(o.http, o.startAt);
    this.flowRuns = new FlowRuns(o.flows ?? [], {
      segment: o.segment, seed: o.seed, startAt: o.startAt, uas: o.scenario.uas ?? null, localAddress: o.localAddress, worker: o.segment.index,
    });
  }

  async start(): Promise<WorkerDone> {
    const s = this.o.scenario;
    const events = {
      message: (msg: SipMessage, from: Peer) => this.uac.onMessage(msg, from),
      parseError: () => void this.counters.parseErrors++,
      transportError: () => void this.counters.transportErrors++,
    };
    this.transport = await openTransport(this.o.target.transport, { address: this.o.localAddress, port: 0, events });
    const peer: Peer = { address: this.o.target.host, port: this.o.target.port };
    await this.transport.connect(peer, 5000);
    this.uac = new Uac<CallSlot>({
      transport: this.transport,
      target: { uri: this.o.target.uri, peer },
      auth: s.target?.auth ?? null,
      // The Contact user (each call's From user comes with its party): a template is no user name.
      fromUser: s.call.fromUser.includes('{{') ? 'callcert' : s.call.fromUser,
      sdpBody: s.call.sdp ? g711Sdp(this.transport.localAddress, 10000 + 2 * this.o.segment.index, this.o.seed) : '',
      ringTimeoutMs: s.call.ringTimeoutMs,
      userAgent: this.o.userAgent,
      listener: this,
      now: () => performance.now(),
    });
    this.httpRuns.start();
    await this.flowRuns.start();
    this.at(this.o.startAt, () => this.begin());
    this.at(this.o.startAt + SAMPLE_MS, () => this.sample());
    this.at(this.o.startAt + INTERVAL_MS, () => this.flushInterval());
    if (this.o.scenario.load.model === 'closed') this.at(this.endAt, () => this.endOfLoad());
    return this.done;
  }

  /** One-shot timer at an absolute performance.now() time, tracked so stop() can clear it. */
  private at(when: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, Math.max(0, when - performance.now()));
    this.timers.add(t);
  }

  private begin(): void {
    if (this.o.scenario.load.model === 'open') this.runOpen();
    else this.runClosed(this.o.startAt);
  }

  // ---- open model -------------------------------------------------------------

  private runOpen(): void {
    const load = this.o.scenario.load;
    if (load.model !== 'open') return;
    this.cap = load.maxConcurrency === null ? Infinity : Math.max(1, shareOf(load.maxConcurrency, this.o.segment));
    this.arrivals = new ArrivalLoop(createArrivalIterator(load, this.o.segment, this.o.seed), {
      startAt: this.o.startAt,
      onArrival: (index, intended) => this.arrive(index, intended, this.cap),
      // The schedule is exhausted: end at the end of the last stage. Scheduling the end from
      // here, not from start(), lets an arrival due in the stage's last millisecond go out
      // before the timer that ends the run.
      onExhausted: () => this.at(this.endAt, () => this.endOfLoad()),
    });
    this.arrivals.start();
  }

  /**
   * The end of the last stage: no new calls; calls still up run to the end of their own hold
   * (k6's gracefulStop, SIPp's -m), and those still up when load.gracefulStopMs is over are hung
   * up as `cut_at_end`. With no call up the worker finishes at once.
   */
  private endOfLoad(): void {
    if (this.stopping || this.draining) return;
    this.draining = true;
    this.httpRuns.stop();
    this.flowRuns.stop();
    const graceMs = this.o.scenario.load.gracefulStopMs;
    if (graceMs <= 0 || this.uac.active === 0) return this.stop('end of last stage', false);
    this.at(this.endAt + graceMs, () => this.stop('end of last stage (gracefulStop over)', false));
  }

  private arrive(index: number, intended: number, cap: number): void {
    if (this.stopping) return;
    this.offered++;
    if (this.uac.active >= cap) {
      this.counters.blocked++;
      this.calls.push(JSON.stringify({ i: index, intendedMs: round3(intended - this.o.startAt), cause: 'blocked' }));
      return;
    }
    this.launch(index, intended);
  }

  private launch(index: number, intended: number): DriverCall {
    const now = performance.now();
    this.health.recordSlipMs(now - intended);
    this.counters.attempts++;
    const party = this.partyFor(index);
    if (party === null) return this.exhausted(index, intended, now);
    return this.uac.start(new CallSlot(index, intended, this.holdSample()), party);
  }

  /**
   * call.data (order unique) has no row for this call: it fails unsent, cause data_exhausted.
   * It ends on the next turn of the event loop, like a call the UAC ends, so that whoever
   * launched it (a make-before-break replacement) has linked it first.
   */
  private exhausted(index: number, intended: number, now: number): DriverCall {
    const call = new Call('', '', '', '', this.uac.targetPeer, '', null, '', new CallSlot(index, intended, 0));
    call.state = CallState.Ended;
    call.cause = 'data_exhausted';
    call.endedAt = now;
    setImmediate(() => this.ended(call));
    return call;
  }

  // ---- closed model -----------------------------------------------------------

  private runClosed(at: number): void {
    if (this.stopping) return;
    this.topUp(at);
    const stages = this.o.scenario.load.stages;
    const next = nextChangeMs(stages, at - this.o.startAt, this.o.segment);
    if (next !== null && this.o.startAt + next < this.endAt) {
      const when = this.o.startAt + next;
      this.at(when, () => this.runClosed(when));
    }
  }

  /**
   * The segment's target at `at` or now, whichever is later: Node timers may fire up
   * to ~1 ms early, and reading the clock alone would then see the previous step's
   * target and leave the slot empty until the next change (for the last ramp step: forever).
   */
  private targetNow(at = 0): number {
    const t = Math.min(Math.max(performance.now(), at), this.endAt - 1) - this.o.startAt;
    return segmentTargetAt(this.o.scenario.load.stages, Math.max(0, t), this.o.segment);
  }

  /** Start calls until the segment's committed slots reach its target. */
  private topUp(intended: number): void {
    if (this.draining) return;
    const target = this.targetNow(intended);
    while (!this.stopping && this.committed < target) {
      this.committed++;
      this.offered++;
      this.launch(this.takeIndex(), intended);
    }
    // Ramp down: release established calls beyond the target.
    if (this.committed > target) {
      for (const call of this.uac.calls.values()) {
        if (this.committed <= target) break;
        if (call.state === CallState.Established && call.slot.replaces === null && !isReplaced(call)) {
          this.committed--;
          markReplaced(call);
          this.uac.hangup(call);
        }
      }
    }
  }

  private takeIndex(): number {
    const i = this.nextIndex;
    this.nextIndex += this.o.segment.count;
    return i;
  }

  // ---- call events (UacListener) ------------------------------------------------

  answered(call: DriverCall): void {
    this.established++;
    this.counters.answers++;
    const from = timedFrom(call);
    if (call.provisionalAt > 0) recordMs(this.pddHist, call.provisionalAt - from);
    else this.counters.noProvisional++;
    recordMs(this.setupHist, call.answeredAt - from);
    bump(this.counters.finalByCode, String(call.finalCode));
    if (this.stopping) {
      // Answered while the run stops: it never gets its hold.
      call.slot.cutAtEnd = true;
      this.uac.hangup(call);
      return;
    }
    const slot = call.slot;
    slot.holdTimer = setTimeout(this.onHoldExpired, slot.holdMs, call);
    const old = slot.replaces;
    if (old !== null) {
      slot.replaces = null;
      this.uac.hangup(old);
    }
  }

  private holdExpired(call: DriverCall): void {
    call.slot.holdTimer = null;
    if (this.stopping || call.state !== CallState.Established) return;
    if (this.draining) {
      // After the last stage a closed-model slot is not refilled: the call just ends.
      if (!isReplaced(call)) {
        markReplaced(call);
        if (this.o.scenario.load.model === 'closed') this.committed--;
      }
      return this.uac.hangup(call);
    }
    if (this.o.scenario.load.model === 'closed' && !isReplaced(call)) {
      markReplaced(call);
      if (this.committed <= this.targetNow()) {
        // Make before break: the slot passes to the replacement; BYE once it is up.
        const next = this.launch(this.takeIndex(), performance.now());
        this.offered++;
        next.slot.replaces = call;
        return;
      }
      this.committed--;
    }
    this.uac.hangup(call);
  }

  ended(call: DriverCall): void {
    const slot = call.slot;
    if (slot.holdTimer !== null) clearTimeout(slot.holdTimer);
    slot.holdTimer = null;
    const c = this.counters;
    const answered = call.answeredAt > 0;
    // A call never sent (data_exhausted) is no unanswered INVITE.
    if (!answered && !call.gotResponse && call.sentAt > 0) c.noResponse++;
    if (answered) this.established--;
    else if (call.cause === 'aborted') c.aborted++;
    else {
      c.failures++;
      if (call.finalCode > 0) {
        bump(c.finalByCode, String(call.finalCode));
        bump(c.failuresByCode, String(call.finalCode));
      }
      if (call.cause === 'timeout') c.timeouts++;
      bump(c.failuresByCause, call.cause);
      if (call.provisionalAt > 0) recordMs(this.pddFailedHist, call.provisionalAt - timedFrom(call));
    }
    if (call.normalEnd && slot.cutAtEnd) {
      call.cause = 'cut_at_end';
      c.cutAtEnd++;
    } else if (call.normalEnd) c.completed++;
    else if (answered && call.cause !== 'aborted') bump(c.failuresByCause, call.cause);
    if (call.byeAnsweredAt > 0 && call.byeAt > 0) recordMs(this.sddHist, call.byeAnsweredAt - call.byeAt);
    this.calls.push(this.record(call));
    // A replacement that failed leaves the old call to be hung up; the slot is refilled below.
    const old = slot.replaces;
    if (old !== null) {
      slot.replaces = null;
      this.uac.hangup(old);
    }
    if (this.o.scenario.load.model === 'closed' && !isReplaced(call)) {
      if (answered || this.stopping || this.draining) {
        this.committed--;
        if (!this.stopping && !this.draining) this.topUp(performance.now());
      } else {
        // A failed attempt's slot stays reserved and is redialled after a pause: refilling at
        // once would turn a platform that rejects everything (503 at capacity) into a retry
        // storm limited only by the round-trip time.
        const when = performance.now() + FAILED_SLOT_RETRY_MS;
        this.at(when, () => {
          this.committed--;
          this.topUp(when);
        });
      }
    }
    if (this.stopping && this.uac.active === 0) this.finish();
    else if (this.draining && this.uac.active === 0) this.stop('end of last stage', false);
  }

  private record(call: DriverCall): string {
    const t0 = this.o.startAt;
    const rel = (t: number) => (t > 0 ? round3(t - t0) : null);
    const from = timedFrom(call);
    return JSON.stringify({
      id: call.callId === '' ? null : call.callId,
      i: call.slot.index,
      w: this.o.segment.index,
      intendedMs: round3(call.slot.intendedAt - t0),
      startMs: rel(call.sentAt),
      // An INVITE sent early (a timer firing before its whole millisecond) is on time, not negative slip.
      slipMs: round3(Math.max(0, call.sentAt - call.slot.intendedAt)),
      pddMs: call.provisionalAt > 0 ? round3(call.provisionalAt - from) : null,
      setupMs: call.answeredAt > 0 ? round3(call.answeredAt - from) : null,
      answerMs: rel(call.answeredAt),
      byeMs: rel(call.byeAt),
      endMs: rel(call.endedAt),
      code: call.finalCode || null,
      cause: call.cause,
      durationMs: call.answeredAt > 0 ? round3((call.byeAt || call.endedAt) - call.answeredAt) : 0,
      sddMs: call.byeAnsweredAt > 0 && call.byeAt > 0 ? round3(call.byeAnsweredAt - call.byeAt) : null,
    });
  }

  // ---- sampling and reporting -----------------------------------------------------

  private sample(): void {
    this.sampleSeq++;
    this.samples.push([this.sampleSeq, this.established, this.uac.active]);
    if (!this.stopping || this.uac.active > 0) this.at(this.o.startAt + (this.sampleSeq + 1) * SAMPLE_MS, () => this.sample());
  }

  private flushInterval(): void {
    const snap = this.health.snapshot('interval');
    const retransmissions = this.uac.retransmissions;
    this.counters.retransmissions = retransmissions - this.retransReported;
    this.retransReported = retransmissions;
    const report: IntervalReport = {
      type: 'interval',
      worker: this.o.segment.index,
      seq: this.intervalSeq++,
      counters: this.counters,
      setupHist: encodeHistogram(this.setupHist),
      pddHist: encodeHistogram(this.pddHist),
      pddFailedHist: encodeHistogram(this.pddFailedHist),
      sddHist: encodeHistogram(this.sddHist),
      slipHist: snap.slipHistogram,
      samples: this.samples,
      calls: this.calls.length > 0 ? this.calls.join('\n') + '\n' : '',
      eventLoopLagMsP99: snap.eventLoopLagMsP99,
      eventLoopLagMsMax: snap.eventLoopLagMsMax,
      eventLoopLagMsP99Run: this.health.snapshot('run').eventLoopLagMsP99,
      heapUsedBytes: retainedHeapBytes(),
      offered: this.offered,
      http: this.httpRuns.takeInterval(),
      ...this.flowRuns.takeInterval(),
    };
    this.o.emit(report);
    this.health.resetInterval();
    this.counters = emptyCounters();
    this.setupHist = createLatencyHistogram();
    this.pddHist = createLatencyHistogram();
    this.pddFailedHist = createLatencyHistogram();
    this.sddHist = createLatencyHistogram();
    this.samples = [];
    this.calls = [];
    this.offered = 0;
    if (!this.closed) this.at(this.o.startAt + (this.intervalSeq + 1) * INTERVAL_MS, () => this.flushInterval());
  }

  /** Stop arrivals, hang up every open call, wait for the answers (bounded by drainMs). */
  stop(reason: string, interrupted: boolean): void {
    if (this.stopping) return;
    this.stopping = true;
    this.arrivals?.stop();
    this.interrupted = interrupted;
    this.stopReason = reason;
    this.httpRuns.stop();
    this.flowRuns.stop();
    // Established calls get their BYE now (paced). Calls still being set up get a short grace to be
    // answered (then BYE) before they are CANCELled: a CANCEL racing an immediate 200 leaves
    // some UASs (SIPp's built-in one) with a dead dialog that never answers our BYE.
    if (this.uac.active === 0) return this.finish();
    this.hangupEstablished();
    const now = performance.now();
    this.at(now + Math.min(STOP_SETUP_GRACE_MS, this.o.drainMs / 2), () => {
      for (const call of [...this.uac.calls.values()]) this.uac.hangup(call);
    });
    this.at(now + this.o.drainMs, () => this.finish());
  }

  /**
   * BYE every established call, at most STOP_BYE_BATCH per STOP_BYE_INTERVAL_MS: 10,000
   * BYEs in one burst overflowed the far end's socket buffer (≈ 3,300 retransmissions,
   * measured against SIPp); 10,000 BYEs a second did not.
   */
  private hangupEstablished(): void {
    let n = 0;
    for (const call of this.uac.calls.values()) {
      if (call.state !== CallState.Established) continue;
      const slot = call.slot;
      if (slot.holdTimer !== null) {
        // Its own hold had not elapsed: the run's end cut it short.
        slot.cutAtEnd = true;
        clearTimeout(slot.holdTimer);
        slot.holdTimer = null;
      }
      this.uac.hangup(call);
      if (++n === STOP_BYE_BATCH) {
        this.at(performance.now() + STOP_BYE_INTERVAL_MS, () => this.hangupEstablished());
        return;
      }
    }
  }

  private finish(): void {
    if (this.closed) return;
    const unfinished = this.uac.active;
    for (const call of [...this.uac.calls.values()]) {
      // Calls the platform did not finish within the drain bound: recorded, not lost.
      if (call.answeredAt > 0) {
        call.cause = 'drain_timeout';
        bump(this.counters.failuresByCause, 'drain_timeout');
      } else {
        call.cause = 'aborted';
        this.counters.aborted++;
        if (!call.gotResponse) this.counters.noResponse++;
      }
      this.calls.push(this.record(call));
    }
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.arrivals?.stop();
    this.closed = true;
    this.uac.close();
    // HTTP requests still in flight settle (bounded by their timeout) before the last interval.
    // Flows in progress and outbound calls at our UAS get the drain bound too.
    void Promise.all([this.httpRuns.done(), this.flowRuns.done(this.o.drainMs, this.interrupted)]).then(async ([http]) => {
      this.flushInterval();
      this.health.stop();
      await this.flowRuns.close();
      await this.transport.close();
      this.finished({ worker: this.o.segment.index, interrupted: this.interrupted, stopReason: this.stopReason, unfinished, uacStats: { ...this.uac.stats }, http });
    });
  }
}

/**
 * Heap in use. Under `node --expose-gc` (the memory benchmark) a full collection runs
 * first, so the figure is what the calls retain rather than garbage not yet collected.
 * v8 heap statistics, not process.memoryUsage(): that also reads /proc (~1 ms, measured).
 */
function retainedHeapBytes(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc !== undefined) gc();
  return getHeapStatistics().used_heap_size;
}

/**
 * Where a call's latencies are measured from: the earlier of its intended start and its actual
 * send. A late send is timed from the intended start, so the generator's delay counts against
 * the figure (no coordinated omission); an early send (Node timers fire on whole milliseconds,
 * up to ~1 ms before their time) is timed from the wire, so no latency is shorter than what the
 * wire saw, and none is negative.
 */
function timedFrom(call: DriverCall): number {
  const intended = call.slot.intendedAt;
  return call.sentAt < intended ? call.sentAt : intended;
}

/** Closed model: the call's slot has been handed on (replacement started, or released on ramp-down). */
function markReplaced(c: DriverCall): void {
  c.slot.released = true;
}
function isReplaced(c: DriverCall): boolean {
  return c.slot.released;
}
