/**
 * What one worker measured since its last report: counters, the latency histograms, the 100 ms
 * concurrency samples and the call records. The driver tells it what happened to each call;
 * `take()` hands over an interval's worth and starts the next. No clock, no sockets: the
 * accounting rules (what counts as failed, completed, cut at end, no response) are testable
 * on plain call records.
 *
 * Per call it only bumps fixed fields and records into its own histograms; the interval's
 * series (catalogue names, metrics/measures.ts) are built once per interval, in take().
 */
import { createLatencyHistogram, encodeHistogram, recordMs, type Histogram } from '../../metrics/histograms.js';
import { bump, emptyCounters, putCounters, type Counters } from '../../metrics/interval.js';
import { UNTAGGED, type Measures } from '../../metrics/measures.js';
import { round3 } from '../../metrics/round.js';
import { timedFrom, type DriverCall } from './call-slot.js';
import type { CallMediaSummary } from './caller-media.js';

/** The caller legs' media of one interval: counts, and per-call distributions (catalogue SERIES, media family). */
class MediaBucket {
  calls = 0;
  sent = 0;
  received = 0;
  lost = 0;
  expected = 0;
  oneWay = 0;
  crossed = 0;
  skipped = 0;
  loss = createLatencyHistogram();
  jitter = createLatencyHistogram();
  maxGap = createLatencyHistogram();
  firstMedia = createLatencyHistogram();
  mos = createLatencyHistogram();
  rtt = createLatencyHistogram();
  slip = createLatencyHistogram();

  add(s: CallMediaSummary): void {
    this.calls++;
    this.sent += s.packetsSent;
    this.received += s.packetsReceived;
    this.skipped += s.sendSkipped;
    if (s.lossRatio !== null) {
      this.expected += s.expectedPackets;
      this.lost += s.lostPackets;
      // Scaled trends (catalogue `scaled`): value × 1000 recorded as "ms".
      recordMs(this.loss, s.lossRatio * 1000);
      recordMs(this.jitter, s.jitterMs);
    }
    if (s.packetsSent > 0 && s.packetsReceived === 0) this.oneWay++;
    if (s.markerOther > 0) this.crossed++;
    if (s.maxGapMs !== null) recordMs(this.maxGap, s.maxGapMs);
    if (s.firstMediaMs !== null) recordMs(this.firstMedia, s.firstMediaMs);
    if (s.mosCqe !== null) recordMs(this.mos, s.mosCqe * 1000);
    if (s.rttMs !== null) recordMs(this.rtt, s.rttMs);
  }

  put(d: Measures): void {
    const one = (n: number) => ({ [UNTAGGED]: n });
    Object.assign(d.counters, {
      media_calls: one(this.calls), rtp_packets_sent: one(this.sent), rtp_packets_received: one(this.received),
      rtp_packets_lost: one(this.lost), rtp_packets_expected: one(this.expected), rtp_one_way_audio: one(this.oneWay),
      rtp_crossed_media: one(this.crossed), rtp_send_skipped: one(this.skipped),
    });
    const enc = (h: Histogram) => ({ [UNTAGGED]: encodeHistogram(h) });
    Object.assign(d.trends, {
      rtp_loss_ratio: enc(this.loss), rtp_jitter_ms: enc(this.jitter), rtp_max_gap_ms: enc(this.maxGap),
      rtp_first_media_ms: enc(this.firstMedia), rtcp_rtt_ms: enc(this.rtt), mos_cqe: enc(this.mos), media_send_slip_ms: enc(this.slip),
    });
  }
}

/** The SIP caller's part of an interval report: its series, concurrency samples and call records. */
export interface IntervalData extends Measures {
  samples: Array<[number, number, number]>;
  calls: string;
}

export class IntervalCollector {
  counters: Counters = emptyCounters();
  private setupHist: Histogram = createLatencyHistogram();
  private pddHist: Histogram = createLatencyHistogram();
  private pddFailedHist: Histogram = createLatencyHistogram();
  private sddHist: Histogram = createLatencyHistogram();
  private samples: Array<[number, number, number]> = [];
  private calls: string[] = [];
  private media = new MediaBucket();

  /** `startAt`: the clock time of the run's 0 (records are relative to it); `worker`: this segment. */
  constructor(private readonly startAt: number, private readonly worker: number) {}

  /** An open-model arrival refused because the segment's share of the cap was taken. */
  blocked(index: number, intendedAt: number): void {
    this.counters.blocked++;
    this.calls.push(JSON.stringify({ i: index, intendedMs: round3(intendedAt - this.startAt), cause: 'blocked' }));
  }

  answered(call: DriverCall): void {
    const c = this.counters;
    c.answers++;
    const from = timedFrom(call);
    if (call.provisionalAt > 0) recordMs(this.pddHist, call.provisionalAt - from);
    else c.noProvisional++;
    recordMs(this.setupHist, call.answeredAt - from);
    bump(c.finalByCode, String(call.finalCode));
  }

  /** A call's end: its counters, its histograms and its calls.jsonl record (cause `cut_at_end` set here). */
  ended(call: DriverCall): void {
    const c = this.counters;
    const answered = call.answeredAt > 0;
    // A call never sent (data_exhausted) is no unanswered INVITE.
    if (!answered && !call.gotResponse && call.sentAt > 0) c.noResponse++;
    if (!answered) {
      if (call.cause === 'aborted') c.aborted++;
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
    }
    const media = call.slot.media;
    if (media?.summary) this.media.add(media.summary);
    if (answered && media?.failure && call.normalEnd) {
      // Answered, but its media could not be negotiated: hung up at once, a failed channel.
      call.cause = media.failure;
      call.normalEnd = false;
    }
    if (call.normalEnd && call.slot.cutAtEnd) {
      call.cause = 'cut_at_end';
      c.cutAtEnd++;
    } else if (call.normalEnd) c.completed++;
    else if (answered && call.cause !== 'aborted') bump(c.failuresByCause, call.cause);
    if (call.byeAnsweredAt > 0 && call.byeAt > 0) recordMs(this.sddHist, call.byeAnsweredAt - call.byeAt);
    this.calls.push(this.record(call));
  }

  /** A media send slip sample (ms). */
  mediaSlip(ms: number): void {
    recordMs(this.media.slip, ms > 0 ? ms : 0);
  }

  /** A call still open when the drain bound ran out: recorded, not lost. */
  unfinished(call: DriverCall): void {
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

  sample(seq: number, established: number, inProgress: number): void {
    this.samples.push([seq, established, inProgress]);
  }

  /** This interval's data (histograms encoded), and a fresh interval. */
  take(): IntervalData {
    const d: IntervalData = {
      counters: {},
      trends: {
        setup_ms: { [UNTAGGED]: encodeHistogram(this.setupHist) },
        pdd_ms: { [UNTAGGED]: encodeHistogram(this.pddHist) },
        pdd_failed_ms: { [UNTAGGED]: encodeHistogram(this.pddFailedHist) },
        sdd_ms: { [UNTAGGED]: encodeHistogram(this.sddHist) },
      },
      samples: this.samples,
      calls: this.calls.length > 0 ? this.calls.join('\n') + '\n' : '',
    };
    putCounters(d, this.counters);
    this.media.put(d);
    this.media = new MediaBucket();
    this.counters = emptyCounters();
    this.setupHist = createLatencyHistogram();
    this.pddHist = createLatencyHistogram();
    this.pddFailedHist = createLatencyHistogram();
    this.sddHist = createLatencyHistogram();
    this.samples = [];
    this.calls = [];
    return d;
  }

  private record(call: DriverCall): string {
    const t0 = this.startAt;
    const rel = (t: number) => (t > 0 ? round3(t - t0) : null);
    const from = timedFrom(call);
    return JSON.stringify({
      id: call.callId === '' ? null : call.callId,
      i: call.slot.index,
      w: this.worker,
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
      ...(call.slot.media?.summary ? { media: mediaRecord(call.slot.media.summary) } : {}),
    });
  }
}

/** A call's media in its calls.jsonl record: times in ms (3 decimals), ratios to 6 decimals. */
function mediaRecord(s: CallMediaSummary): Record<string, unknown> {
  const r6 = (v: number | null) => (v === null ? null : Math.round(v * 1e6) / 1e6);
  const r3 = (v: number | null) => (v === null ? null : round3(v));
  return {
    codec: s.codec, sent: s.packetsSent, received: s.packetsReceived, expected: s.expectedPackets, lost: s.lostPackets,
    lossRatio: r6(s.lossRatio), jitterMs: r3(s.jitterMs), maxGapMs: r3(s.maxGapMs), firstMediaMs: r3(s.firstMediaMs),
    mosCqe: r3(s.mosCqe), mosLqe: r3(s.mosLqe), rttMs: r3(s.rttMs),
    rtcpSent: s.rtcpSent, rtcpReceived: s.rtcpReceived, rtcpBye: s.rtcpByeReceived,
    invalid: s.invalidPackets, markerOwn: s.markerOwn, markerOther: s.markerOther,
    sendSkipped: s.sendSkipped, remote: s.remote, latched: s.latched,
  };
}
