/**
 * The caller legs' media second by second, while calls last: every interval each live stream's
 * receiver is snapshotted (RFC 3550 A.3 loss over the second, A.8 jitter at its end) and scored
 * with the E-model over that second, so the timeline shows voice quality over the run, not only
 * per call at its end. A stream that ends mid-interval gives its last partial second at its end,
 * so the per-second packet counts add up to the per-call ones (rtp_live_* = rtp_packets_*).
 */
import { createLatencyHistogram, encodeHistogram, recordMs, type Histogram } from '../../metrics/histograms.js';
import { UNTAGGED, type Measures } from '../../metrics/measures.js';
import { ReceiverInterval } from '../../media/quality/receiver.js';
import { scoreStream } from '../../media/quality/assumptions.js';
import type { MediaStream } from '../../media/stream.js';

interface Live {
  /** Packets sent at the previous snapshot. */
  sentBefore: number;
}

export class MediaLiveMeter {
  private readonly live = new Map<MediaStream, Live>();
  private readonly snap = new ReceiverInterval();
  private streams = 0;
  private sent = 0;
  private received = 0;
  private expected = 0;
  private lost = 0;
  private jitter: Histogram = createLatencyHistogram();
  private mos: Histogram = createLatencyHistogram();
  private loss: Histogram = createLatencyHistogram();

  constructor(private readonly now: () => number) {}

  /** Live streams. */
  get size(): number {
    return this.live.size;
  }

  add(stream: MediaStream): void {
    this.live.set(stream, { sentBefore: 0 });
  }

  /** The stream is ending: its last partial interval counts now (call before stream.stop()). */
  end(stream: MediaStream): void {
    const l = this.live.get(stream);
    if (l === undefined) return;
    this.count(stream, l, false);
    this.live.delete(stream);
  }

  /** This interval's series into `d` (with the worker's RTP socket drops read in it), and the next interval starts. */
  put(d: Measures, socketDrops = 0): void {
    for (const [stream, l] of this.live) this.count(stream, l, true);
    const one = (n: number) => ({ [UNTAGGED]: n });
    Object.assign(d.counters, {
      rtp_live_streams: one(this.streams), rtp_live_packets_sent: one(this.sent), rtp_live_packets_received: one(this.received),
      rtp_live_packets_expected: one(this.expected), rtp_live_packets_lost: one(this.lost), rtp_socket_drops: one(socketDrops),
    });
    Object.assign(d.trends, {
      rtp_live_jitter_ms: { [UNTAGGED]: encodeHistogram(this.jitter) },
      mos_cqe_live: { [UNTAGGED]: encodeHistogram(this.mos) },
      rtp_live_loss_ratio: { [UNTAGGED]: encodeHistogram(this.loss) },
    });
    this.streams = this.sent = this.received = this.expected = this.lost = 0;
    this.jitter = createLatencyHistogram();
    this.mos = createLatencyHistogram();
    this.loss = createLatencyHistogram();
  }

  /** One stream's interval; `sample`: a whole second that also gives a jitter and a MOS sample. */
  private count(stream: MediaStream, l: Live, sample: boolean): void {
    const r = stream.receiver.snapshot(this.snap, this.now());
    const sent = stream.sender.packetCount;
    this.sent += sent - l.sentBefore;
    l.sentBefore = sent;
    this.received += r.packetsReceived;
    this.expected += r.expected;
    this.lost += r.lost;
    if (!sample || r.expected <= 0) return;
    this.streams++;
    recordMs(this.jitter, r.jitterMs);
    // Scaled trends (catalogue): a ratio × 1000 and a MOS × 1000 recorded as "ms".
    recordMs(this.loss, r.lossPercent * 10);
    recordMs(this.mos, scoreStream(r.lossPercent, stream.lastRttMs, stream.ptimeMs).mosCqe * 1000);
  }
}
