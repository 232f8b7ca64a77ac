/**
 * A ChartSpec as a chart.js 4 configuration: plain JSON (no functions), so
 * the same object drives the PDF's canvas rendering and is embedded as data
 * in the HTML page. Long series are reduced to min/max per bucket so a
 * one-hour run stays small without hiding a dip (plain sampling could skip
 * the one second channels dropped).
 */
import { tr, type ReportLang } from './i18n.js';
import { txt } from './blocks.js';
import type { ChartSpec, Pt } from './chart-specs.js';

/** Min and max of each bucket, in time order. */
export function minMaxDecimate(points: Pt[], buckets: number): Pt[] {
  if (points.length <= buckets * 2) return points;
  const size = points.length / buckets;
  const out: Pt[] = [];
  for (let b = 0; b < buckets; b++) {
    const from = Math.floor(b * size);
    const to = Math.min(points.length, Math.floor((b + 1) * size));
    let lo: Pt | null = null;
    let hi: Pt | null = null;
    for (let i = from; i < to; i++) {
      const p = points[i];
      if (p.y === null) continue;
      if (lo === null || p.y < (lo.y as number)) lo = p;
      if (hi === null || p.y > (hi.y as number)) hi = p;
    }
    if (lo === null || hi === null) continue;
    if (lo === hi) out.push(lo);
    else if (lo.x <= hi.x) out.push(lo, hi);
    else out.push(hi, lo);
  }
  return out;
}

export type JsonChartConfig = Record<string, unknown>;

/**
 * A `dots` series keeping more points than this is drawn as a line through them, in both formats (so
 * one caption fits both): the PDF's vector renderer pays for every marker, a line is one path.
 */
export const MAX_DOTS = 300;

/** `buckets`: points kept per series (min/max pairs, so up to twice this many). */
export function chartConfig(spec: ChartSpec, lang: ReportLang, buckets: number): JsonChartConfig {
  if (spec.kind === 'bar') {
    return {
      type: 'bar',
      data: { labels: spec.labels, datasets: [{ label: tr(lang, spec.y.label), data: spec.values, backgroundColor: spec.color }] },
      options: { scales: { y: { beginAtZero: true, title: { display: true, text: tr(lang, spec.y.label) } } } },
    };
  }
  const axis = (a: { label: Parameters<typeof tr>[1]; min?: number; max?: number }) => ({
    title: { display: true, text: tr(lang, a.label) },
    ...(a.min === undefined ? {} : { min: a.min }),
    ...(a.max === undefined ? {} : { max: a.max }),
  });
  const scales: Record<string, unknown> = {
    x: { type: 'linear', ...axis(spec.x) },
    // grace: a line held exactly at its maximum would otherwise sit on the frame, unreadable.
    y: { beginAtZero: true, grace: '8%', ...axis(spec.y) },
  };
  if (spec.y2 !== undefined) scales.y2 = { position: 'right', grace: '8%', grid: { drawOnChartArea: false }, ...axis(spec.y2) };
  return {
    type: 'line',
    data: {
      datasets: spec.series.map((s) => {
        const data = s.points === undefined ? minMaxDecimate(s.data, buckets) : s.data;
        const dots = s.dots !== undefined && data.length <= MAX_DOTS ? s.dots : 0;
        const asLine = s.dots !== undefined && dots === 0;
        return {
          label: txt(lang, s.label),
          data,
          yAxisID: s.axis ?? 'y',
          borderColor: s.color,
          backgroundColor: s.color,
          borderWidth: asLine ? 1 : 1.5,
          borderDash: s.dashed ? [6, 4] : [],
          showLine: asLine || !(s.noLine ?? false),
          stepped: s.stepped ?? false,
          spanGaps: false,
          ...(s.points === undefined
            // Squares: in the PDF's vector rendering a circle marker costs several times as much.
            ? { pointRadius: dots, ...(dots > 0 ? { pointStyle: 'rect' } : {}) }
            : {
                pointRadius: s.points.radius,
                pointHoverRadius: s.points.radius + 2,
                pointStyle: s.points.style,
                pointBackgroundColor: s.points.color,
                pointBorderColor: s.points.color,
                pointBorderWidth: 2,
              }),
        };
      }),
    },
    options: { parsing: false, scales, plugins: { legend: { position: 'top' } } },
  };
}
