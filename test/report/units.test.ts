/** Pure pieces of the report: ToUnicode parsing, decimation that keeps dips, the licence table's honesty. */
import { describe, expect, it } from 'vitest';
import { parseToUnicode } from '../../src/report/pdf-read.js';
import { minMaxDecimate } from '../../src/report/charts.js';
import { licenceRows } from '../../src/report/licence.js';
import { runStatus } from '../../src/report/model.js';
import { recheckVerdicts } from '../../src/report/recheck.js';
import type { Results } from '../../src/results/summary.js';

describe('parseToUnicode', () => {
  it('reads bfrange arrays whose entries hold several UTF-16 units (ligatures) without shifting the rest', () => {
    const cmap = `2 beginbfrange
<0000> <0003> [<0041> <0066 006c> <9644> <5f55>]
<0010> <0012> <0030>
endbfrange
1 beginbfchar
<0020> <0078>
endbfchar`;
    const m = parseToUnicode(cmap);
    expect([m.get(0), m.get(1), m.get(2), m.get(3)]).toEqual(['A', 'fl', '附', '录']);
    expect([m.get(0x10), m.get(0x12), m.get(0x20)]).toEqual(['0', '2', 'x']);
  });
});

describe('minMaxDecimate', () => {
  it('keeps a one-sample dip in a long series', () => {
    const pts = Array.from({ length: 36000 }, (_, i) => ({ x: i / 10, y: i === 20001 ? 3 : 1000 }));
    const d = minMaxDecimate(pts, 900);
    expect(d.length).toBeLessThanOrEqual(1800);
    expect(Math.min(...d.map((p) => p.y as number))).toBe(3);
    expect(d.every((p, i) => i === 0 || p.x >= d[i - 1].x)).toBe(true);
  });
});

describe('licence table and shown verdict', () => {
  // Only the fields these functions read; real runs' documents go through them in report-e2e.test.ts.
  const base = {
    state: 'finished', valid: true, interrupted: false, invalidReasons: [], verdict: 'passed', target: { embedded: false },
    criteria: [{ criterion: '>=1000', metric: 'concurrency_sustained', actual: 1000, pass: true }],
    summary: { concurrency: { sustained: 1000, peak: 1004, target: 1000 }, outbound: null },
  } as unknown as Results;

  it('measures only the channel count; everything else is not tested, never passed', () => {
    const rows = licenceRows(base, runStatus(base));
    expect(rows[0].state).toBe('met');
    expect(rows.slice(1).map((r) => r.state)).toEqual(['not-tested', 'not-tested', 'not-tested', 'not-tested', 'not-tested']);
  });

  it('an invalid run is never shown as passed, even if its criteria are met', () => {
    const inv = { ...base, valid: false, verdict: 'invalid', invalidReasons: ['generator saturated'] } as unknown as Results;
    expect(runStatus(inv)).toBe('invalid');
    expect(licenceRows(inv, 'invalid')[0].state).toBe('met-run-invalid');
    expect(recheckVerdicts(inv).problems).toEqual([]);
  });

  it('a verdict the numbers do not support is found', () => {
    const lie = { ...base, criteria: [{ criterion: '>=1000', metric: 'concurrency_sustained', actual: 999, pass: true }] } as unknown as Results;
    expect(recheckVerdicts(lie).problems[0]).toMatch(/measured 999 gives fail, results\.json says pass/);
  });

  it('takes the search criterion certified_capacity as a plain comparison', () => {
    const s = { ...base, criteria: [{ criterion: '>=1200', metric: 'certified_capacity', actual: 1100, pass: false }], verdict: 'failed' } as unknown as Results;
    expect(recheckVerdicts(s)).toEqual({ problems: [], verdict: 'failed' });
  });
});
