/**
 * `summary.media`: the caller legs' voice over the whole run, from the media series the workers
 * shipped (metrics/catalog.ts SERIES, media family) — packets, per-call loss, jitter, gaps, time
 * to first media, MOS-CQE, one-way audio and crossed media, the generator's RTP send slip — and
 * the E-model's estimator with the assumptions it was given. null for a signalling-only run.
 */
import type { Aggregator } from '../metrics/aggregate/aggregate.js';
import { createLatencyHistogram, summarizeMs, unscaleMs, type Histogram, type LatencySummary } from '../metrics/histograms.js';
import { UNTAGGED } from '../metrics/measures.js';
import type { CounterName, TrendName } from '../metrics/catalog.js';
import type { Scenario } from '../scenario/types.js';
import { MOS_ASSUMPTIONS } from '../media/quality/assumptions.js';

/** A per-call distribution of a value recorded × 1000 (catalogue `scaled` trends): its percentiles. */
export interface ScaledSummary {
  count: number;
  min: number | null;
  p5: number | null;
  p50: number | null;
  p95: number | null;
  max: number | null;
  mean: number | null;
}

function scaled(h: Histogram | undefined, digits: number): ScaledSummary {
  if (h === undefined || h.totalCount === 0) return { count: 0, min: null, p5: null, p50: null, p95: null, max: null, mean: null };
  const v = (us: number) => unscaleMs(us / 1000, digits);
  return {
    count: h.totalCount,
    min: v(h.getValueAtPercentile(0)),
    p5: v(h.getValueAtPercentile(5)),
    p50: v(h.getValueAtPercentile(50)),
    p95: v(h.getValueAtPercentile(95)),
    max: v(h.getValueAtPercentile(100)),
    mean: v(h.mean),
  };
}

/** The caller legs' RTP port pools at the end of the run, summed over workers. */
export interface MediaPortTotals {
  pairs: number;
  skippedPorts: number;
  strayPackets: number;
  socketErrors: number;
  /** Why a pool stopped short of the pairs it wanted (one line per worker that did), or none. */
  shortfalls: string[];
}

export interface MediaResults {
  codec: string;
  source: string;
  marker: boolean;
  calls: { withMedia: number; oneWayAudio: number; crossedMedia: number };
  packets: { sent: number; received: number; expected: number; lost: number; sendSkipped: number };
  /** All calls' distinct lost packets ÷ expected; null when nothing was expected. */
  lossRatio: number | null;
  lossRatioPerCall: ScaledSummary;
  jitterMs: LatencySummary;
  maxGapMs: LatencySummary;
  firstMediaMs: LatencySummary;
  mosCqe: ScaledSummary;
  rttMs: LatencySummary;
  sendSlipMs: LatencySummary;
  /** Datagrams the kernel dropped on the RTP sockets (/proc/net/udp), null where not known; and the pools' figures. */
  socketDrops: number | null;
  ports: MediaPortTotals | null;
  estimator: { version: string; jitterBufferMs: number; rttMs: number; ptimeMs: number };
}

export function mediaSummary(
  agg: Aggregator, s: Scenario, sockets: { drops: number | null; ports: MediaPortTotals | null } = { drops: null, ports: null },
): MediaResults | null {
  if (s.media.codec === null) return null;
  const c = (n: CounterName) => agg.totals.counters[n]?.[UNTAGGED] ?? 0;
  const t = (n: TrendName) => agg.totals.trends[n]?.[UNTAGGED];
  const ms = (n: TrendName) => summarizeMs(t(n) ?? createLatencyHistogram());
  const expected = c('rtp_packets_expected');
  const lost = c('rtp_packets_lost');
  return {
    codec: s.media.codec,
    source: s.media.source.kind,
    marker: s.media.marker,
    calls: { withMedia: c('media_calls'), oneWayAudio: c('rtp_one_way_audio'), crossedMedia: c('rtp_crossed_media') },
    packets: { sent: c('rtp_packets_sent'), received: c('rtp_packets_received'), expected, lost, sendSkipped: c('rtp_send_skipped') },
    lossRatio: expected > 0 ? Math.round((lost / expected) * 1e6) / 1e6 : null,
    lossRatioPerCall: scaled(t('rtp_loss_ratio'), 6),
    jitterMs: ms('rtp_jitter_ms'),
    maxGapMs: ms('rtp_max_gap_ms'),
    firstMediaMs: ms('rtp_first_media_ms'),
    mosCqe: scaled(t('mos_cqe'), 3),
    rttMs: ms('rtcp_rtt_ms'),
    sendSlipMs: ms('media_send_slip_ms'),
    socketDrops: sockets.drops,
    ports: sockets.ports,
    estimator: {
      version: MOS_ASSUMPTIONS.estimator,
      jitterBufferMs: MOS_ASSUMPTIONS.jitterBufferMs,
      rttMs: MOS_ASSUMPTIONS.rttMs,
      ptimeMs: 20,
    },
  };
}
