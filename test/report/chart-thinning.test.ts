/**
 * A 24 h run's 100 ms concurrency rows (864,000) as the report charts them: the channels chart's
 * configs, for the PDF (PDF_BUCKETS) and the HTML page (HTML_BUCKETS), keep at most two points a
 * bucket, in time order, with the run's peak and a one-row dip kept; the results are not changed.
 */
import { describe, expect, it } from 'vitest';
import { chartConfig } from '../../src/report/chart-config.js';
import { channelsSpec } from '../../src/report/chart-specs.js';
import { PDF_BUCKETS } from '../../src/report/charts.js';
import { HTML_BUCKETS } from '../../src/report/html.js';
import type { Results } from '../../src/results/summary.js';

const ROWS = 24 * 3600 * 10;
const DIP_AT = 500_000;
const rows: Array<[number, number, number]> = Array.from({ length: ROWS }, (_, i) => {
  const est = i === DIP_AT ? 612 : i === DIP_AT + 90_000 ? 1003 : 1000;
  return [(i + 1) * 100, est, est];
});
const results = {
  scenario: { model: 'open', stages: [{ durationMs: 86_400_000, target: 10 }] },
  concurrencySeries: { sampleMs: 100, columns: ['tMs', 'established', 'inProgress'], rows },
} as unknown as Results;

describe('channels chart of a 24 h run', () => {
  for (const [format, buckets] of [['PDF', PDF_BUCKETS], ['HTML', HTML_BUCKETS]] as const) {
    it(`${format}: ≤ 2 × ${buckets} points, in time order, dip and peak kept`, () => {
      const cfg = chartConfig(channelsSpec(results), 'bilingual', buckets) as { data: { datasets: Array<{ data: Array<{ x: number; y: number }> }> } };
      const pts = cfg.data.datasets[0].data;
      expect(pts.length).toBeGreaterThan(buckets / 2);
      expect(pts.length).toBeLessThanOrEqual(2 * buckets);
      expect(pts.every((p, i) => i === 0 || p.x >= pts[i - 1].x)).toBe(true);
      expect(pts.find((p) => p.y === 612)?.x).toBe((DIP_AT + 1) / 10);
      expect(Math.max(...pts.map((p) => p.y))).toBe(1003);
    });
  }

  it('leaves the results rows as recorded', () => {
    chartConfig(channelsSpec(results), 'bilingual', PDF_BUCKETS);
    expect(results.concurrencySeries.rows).toHaveLength(ROWS);
    expect(results.concurrencySeries.rows[DIP_AT]).toEqual([(DIP_AT + 1) * 100, 612, 612]);
  });
});
