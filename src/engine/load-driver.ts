/**
 * Drives one worker's segment of the load: starts calls when the plan says,
 * hangs them up after their hold time, and measures everything from the
 * *intended* start of each call so a late generator cannot hide latency.
 *
 * Open model: arrivals from the executor's schedule, refused (counted as
 * blocked) when this segment's share of the concurrency cap is taken.
 * Closed model: keeps the segment's share of the target concurrency
 * established; when a call's hold expires its replacement starts first and the
 * BYE is sent once the replacement is answered (make-before-break; the slot
 * rules are worker/closed-slots.ts). What was measured is collected per interval
 * by worker/interval-collector.ts. Time comes from an injected clock.
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
import { shareOf, type Segment } from '../load/segments.js';
import { createHoldSampler } from '../scenario/hold.js';
import { mulberry32 } from '../util/random.js';
import { createHealthMonitor, type HealthMonitor } from '../metrics/health.js';
import { type ResolvedTarget, type WorkerDone } from './protocol.js';
import type { IntervalReport } from '../metrics/interval.js';
import { UNTAGGED } from '../metrics/measures.js';
import { totalDurationMs } from '../load/stages.js';
import { realClock, type Clock } from '../load/clock.js';
import type { CallerMedia } from './worker/caller-media.js';
import { CallSlot, type DriverCall } from './worker/call-slot.js';
import { IntervalCollector } from './worker/interval-collector.js';
import { ClosedSlots } from './worker/closed-slots.js';
import { drainCalls } from './worker/drain.js';

export interface DriverOptions {
  scenario: Scenario;
  target: ResolvedTarget;
  localAddress: string;
  /** This worker's number (records, reports, its SDP port); its share of the load is `segment`. */
  worker: number;
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
  /** Default: the real clock (performance.now(), setTimeout). */
  clock?: Clock;
  /** The caller leg's voice (scenario call.media), its port pool already bound; null: none. */
  media?: CallerMedia | null;
}

const SAMPLE_MS = 100;
const INTERVAL_MS = 1000;


export class LoadDriver implements UacListener<CallSlot> {
  private transport!: SipTransport;
  private uac!: Uac<CallSlot>;
  private readonly health: HealthMonitor;
  private readonly holdSample: () => number;
  private readonly m: IntervalCollector;
  private readonly clock: Clock;
  private established = 0;
  /** Closed model: the channel slots. */
  private readonly slots: ClosedSlots<DriverCall> | null;
  private stopping = false;
  /** The last stage is over: no call starts; calls still up run to their hold, bounded by load.gracefulStopMs. */
  private draining = false;
  private stopReason = '';
  private interrupted = false;
  private readonly endAt: number;
  private timers = new Set<unknown>();
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
    this.clock = o.clock ?? realClock;
    this.m = new IntervalCollector(o.startAt, o.worker);
    this.slots = o.scenario.load.model !== 'closed' ? null : new ClosedSlots<DriverCall>(
      { stages: o.scenario.load.stages, segment: o.segment, startAt: o.startAt, endAt: this.endAt },
      {
        isStopping: () => this.stopping,
        isDraining: () => this.draining,
        launch: (index, intended, replaces) => this.launch(index, intended, replaces),
        offer: () => void this.m.counters.offered++,
        hangup: (call) => this.uac.hangup(call),
        calls: () => this.uac.calls.values(),
        isEstablished: (call) => call.state === CallState.Established,
        now: () => this.clock.now(),
        at: (when, fn) => this.at(when, fn),
      },
    );
    this.done = new Promise((resolve) => (this.finished = resolve));
    this.httpRuns = new HttpRuns(o.http, o.startAt);
    this.flowRuns = new FlowRuns(o.flows ?? [], {
      segment: o.segment, seed: o.seed, startAt: o.startAt, uas: o.scenario.uas ?? null, localAddress: o.localAddress,
      worker: o.worker, rules: o.scenario.outboundRules ?? null,
    });
  }

  async start(): Promise<WorkerDone> {
    const s = this.o.scenario;
    const events = {
      message: (msg: SipMessage, from: Peer) => this.uac.onMessage(msg, from),
      parseError: () => void this.m.counters.parseErrors++,
      transportError: () => void this.m.counters.transportErrors++,
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
      sdpBody: s.call.sdp ? g711Sdp(this.transport.localAddress, 10000 + 2 * this.o.worker, this.o.seed) : '',
      ringTimeoutMs: s.call.ringTimeoutMs,
      userAgent: this.o.userAgent,
      listener: this,
      now: () => performance.now(),
      ...(this.o.media ? { session: this.o.media } : {}),
    });
    this.httpRuns.start();
    await this.flowRuns.start();
    this.at(this.o.startAt, () => this.begin());
    this.at(this.o.startAt + SAMPLE_MS, () => this.sample());
    this.at(this.o.startAt + INTERVAL_MS, () => this.flushInterval());
    if (this.o.scenario.load.model === 'closed') this.at(this.endAt, () => this.endOfLoad());
    return this.done;
  }

  /** One-shot timer at an absolute clock time, tracked so stop() can clear it. */
  private at(when: number, fn: () => void): void {
    const t = this.clock.setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, Math.max(0, when - this.clock.now()));
    this.timers.add(t);
  }

  private begin(): void {
    if (this.o.scenario.load.model === 'open') this.runOpen();
    else this.slots?.run(this.o.startAt);
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
      clock: this.clock,
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
    this.m.counters.offered++;
    if (this.uac.active >= cap) return this.m.blocked(index, intended);
    this.launch(index, intended, null);
  }

  private launch(index: number, intended: number, replaces: DriverCall | null): DriverCall {
    const now = this.clock.now();
    this.health.recordSlipMs(now - intended);
    this.m.counters.attempts++;
    const party = this.partyFor(index);
    let call: DriverCall;
    if (party === null) call = this.unsent(index, intended, now, 'data_exhausted');
    else {
      const slot = new CallSlot(index, intended, this.holdSample());
      // Its port pair is taken before the INVITE goes out (the offer names it).
      if (this.o.media) slot.media = this.o.media.take();
      call = this.o.media && slot.media === null ? this.unsent(index, intended, now, 'media_no_port') : this.uac.start(slot, party);
    }
    call.slot.replaces = replaces;
    return call;
  }

  /**
   * A call that cannot be sent: call.data (order unique) has no row for it (data_exhausted), or no
   * RTP port pair is free (media_no_port). It ends on the next turn of the event loop, like a call
   * the UAC ends, so that whoever launched it (a make-before-break replacement) has linked it first.
   */
  private unsent(index: number, intended: number, now: number, cause: 'data_exhausted' | 'media_no_port'): DriverCall {
    const call = new Call('', '', '', '', this.uac.targetPeer, '', null, '', new CallSlot(index, intended, 0));
    call.state = CallState.Ended;
    call.cause = cause;
    call.endedAt = now;
    setImmediate(() => this.ended(call));
    return call;
  }

  // ---- call events (UacListener) ------------------------------------------------

  answered(call: DriverCall): void {
    this.established++;
    this.m.answered(call);
    if (this.stopping) {
      // Answered while the run stops: it never gets its hold.
      call.slot.cutAtEnd = true;
      this.uac.hangup(call);
      return;
    }
    const slot = call.slot;
    if (slot.media?.failure) {
      // No usable media (RFC 3264: the offerer ends a session it cannot use): hung up at once.
      this.uac.hangup(call);
      return;
    }
    slot.holdTimer = this.clock.setTimeoutWith(this.onHoldExpired, slot.holdMs, call);
    const old = slot.replaces;
    if (old !== null) {
      slot.replaces = null;
      this.uac.hangup(old);
    }
  }

  private holdExpired(call: DriverCall): void {
    call.slot.holdTimer = null;
    if (this.stopping || call.state !== CallState.Established) return;
    if (this.slots !== null) return this.slots.holdExpired(call);
    this.uac.hangup(call);
  }

  ended(call: DriverCall): void {
    const slot = call.slot;
    if (slot.holdTimer !== null) this.clock.clearTimeout(slot.holdTimer);
    slot.holdTimer = null;
    const answered = call.answeredAt > 0;
    if (answered) this.established--;
    this.m.ended(call);
    // A replacement that failed leaves the old call to be hung up; the slot is refilled below.
    const old = slot.replaces;
    if (old !== null) {
      slot.replaces = null;
      this.uac.hangup(old);
    }
    this.slots?.ended(call, answered);
    if (this.stopping && this.uac.active === 0) this.finish();
    else if (this.draining && this.uac.active === 0) this.stop('end of last stage', false);
  }

  // ---- sampling and reporting -----------------------------------------------------

  /** A media send slip sample (ms) from the caller media's send schedule. */
  recordMediaSlip(ms: number): void {
    this.m.mediaSlip(ms);
  }

  private sample(): void {
    this.sampleSeq++;
    this.m.sample(this.sampleSeq, this.established, this.uac.active);
    if (!this.stopping || this.uac.active > 0) this.at(this.o.startAt + (this.sampleSeq + 1) * SAMPLE_MS, () => this.sample());
  }

  private flushInterval(): void {
    const snap = this.health.snapshot('interval');
    const retransmissions = this.uac.retransmissions;
    this.m.counters.retransmissions = retransmissions - this.retransReported;
    this.retransReported = retransmissions;
    // One payload of series (catalogue names): the calls', the generator's slip, the HTTP loads', the flows'.
    const sip = this.m.take();
    sip.trends.schedule_slip_ms = { [UNTAGGED]: snap.slipHistogram };
    this.o.media?.takeInterval(sip);
    this.httpRuns.takeInterval(sip);
    const flows = this.flowRuns.takeInterval(sip);
    const report: IntervalReport = {
      type: 'interval',
      worker: this.o.worker,
      seq: this.intervalSeq++,
      ...sip,
      eventLoopLagMsP99: snap.eventLoopLagMsP99,
      eventLoopLagMsMax: snap.eventLoopLagMsMax,
      eventLoopLagMsP99Run: this.health.snapshot('run').eventLoopLagMsP99,
      heapUsedBytes: retainedHeapBytes(),
      ...flows,
    };
    this.o.emit(report);
    this.health.resetInterval();
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
    if (this.uac.active === 0) return this.finish();
    drainCalls<DriverCall>({
      calls: () => this.uac.calls.values(),
      isEstablished: (call) => call.state === CallState.Established,
      hangup: (call) => this.uac.hangup(call),
      clearTimer: (h) => this.clock.clearTimeout(h),
      now: () => this.clock.now(),
      at: (when, fn) => this.at(when, fn),
      giveUp: () => this.finish(),
    }, this.o.drainMs);
  }

  private finish(): void {
    if (this.closed) return;
    const unfinished = this.uac.active;
    // Calls the platform did not finish within the drain bound: recorded, not lost.
    for (const call of [...this.uac.calls.values()]) this.m.unfinished(call);
    for (const t of this.timers) this.clock.clearTimeout(t);
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
      // Read before the sockets close: the kernel's counts go with them.
      const mediaSocketDrops = this.o.media?.socketDrops() ?? null;
      const mediaPorts = this.o.media?.portTotals() ?? null;
      await this.o.media?.close();
      this.finished({
        worker: this.o.worker, interrupted: this.interrupted, stopReason: this.stopReason, unfinished, mediaSocketDrops, mediaPorts,
        uacStats: { ...this.uac.stats }, http,
      });
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
