/**
 * HTTP loads, flows and outbound calls as criteria data (verdict/thresholds.ts
 * MetricSource `http`, `flow`, `outbound`): the same merged buckets that
 * summary.http, summary.httpFlows and summary.outbound are published from, so a
 * criterion's `actual` is the figure printed beside it in results.json.
 */
import type { Aggregator } from '../metrics/aggregate/aggregate.js';
import type { FlowSource, HttpLoadSource, MediaSource, MetricSource, OutboundSource } from '../verdict/thresholds.js';
import { UNTAGGED } from '../metrics/measures.js';
import type { Scenario } from '../scenario/types.js';
import { createLatencyHistogram, type Histogram } from '../metrics/histograms.js';
import { outboundConcurrency } from './flow-summary.js';
import type { HttpRunTotals } from '../http/run-totals.js';

/**
 * `elapsedMs`: run time the data covers. `httpTotals` (end of run): each load's own elapsed
 * time, as summary.http's rps uses (the load's duration when its worker did not report);
 * without it (while running) the time the load has run so far.
 */
export function serviceMetricSources(
  agg: Aggregator,
  s: Scenario,
  elapsedMs: number,
  loadEndMs: number,
  httpTotals?: Readonly<Record<string, HttpRunTotals>>,
): Required<Pick<MetricSource, 'http' | 'flow' | 'outbound' | 'media'>> {
  let empty: Histogram | null = null;
  // One shared empty histogram for names with no data yet (an HDR histogram is ~95 KB).
  const none = () => (empty ??= createLatencyHistogram());
  let concurrency: { peak: number; sustained: number | null } | null = null;
  return {
    http(name): HttpLoadSource | null {
      const spec = s.http?.load.find((l) => l.name === name);
      if (spec === undefined) return null;
      const a = agg.httpLoad(name);
      let errors = 0;
      for (const k in a?.errorsByCause) errors += a.errorsByCause[k];
      const ranMs = httpTotals !== undefined
        ? (httpTotals[name]?.elapsedMs ?? spec.durationMs)
        : Math.min(Math.max(0, elapsedMs - spec.startMs), spec.durationMs);
      return {
        hist: a?.hist ?? none(),
        settled: a?.settled ?? 0,
        completed: a?.completed ?? 0,
        errors,
        elapsedMs: Math.max(ranMs, httpTotals !== undefined ? 1 : 0),
      };
    },
    flow(name): FlowSource | null {
      if (!(s.http?.flows ?? []).some((f) => f.name === name)) return null;
      return agg.flow(name) ?? { hist: none(), completed: 0, failed: 0, steps: {} };
    },
    media(): MediaSource | null {
      if (s.media.codec === null) return null;
      const t = agg.totals.trends;
      const c = agg.totals.counters;
      return {
        trends: {
          mos_cqe: t.mos_cqe?.[UNTAGGED], rtp_loss_ratio: t.rtp_loss_ratio?.[UNTAGGED], rtp_jitter_ms: t.rtp_jitter_ms?.[UNTAGGED],
          rtp_max_gap_ms: t.rtp_max_gap_ms?.[UNTAGGED], rtp_first_media_ms: t.rtp_first_media_ms?.[UNTAGGED],
          rtcp_rtt_ms: t.rtcp_rtt_ms?.[UNTAGGED],
        },
        counters: { rtp_one_way_audio: c.rtp_one_way_audio?.[UNTAGGED] ?? 0, rtp_crossed_media: c.rtp_crossed_media?.[UNTAGGED] ?? 0 },
      };
    },
    outbound(): OutboundSource | null {
      if (s.uas === null) return null;
      const ob = agg.outbound();
      return {
        dial: ob?.dialHist ?? none(),
        answered: ob?.answered ?? 0,
        failed: ob?.failed ?? 0,
        concurrency: () => (concurrency ??= outboundConcurrency(agg.outboundSeries(), s, loadEndMs)),
      };
    },
  };
}
