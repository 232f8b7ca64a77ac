/**
 * The summary table's reviewer figures (issue part 6): 接通率 and 呼损率 whose parts add up to the loss,
 * 最大无差错并发数 from the search, the whole run or the seconds before the first failure — each
 * computed from results.json alone.
 */
import { describe, expect, it } from 'vitest';
import { callLoss, errorFreeText, lossText, maxErrorFree, ratioText } from '../../src/report/key-figures.js';
import type { Results } from '../../src/results/summary.js';

interface Over {
  attempted: number;
  answered: number;
  failed: number;
  aborted?: number;
  unfinished?: number;
  byCause?: Record<string, number>;
  byCode?: Record<string, number>;
  peak?: number;
  timeline?: Array<{ t: number; active: number; failures: number }>;
  search?: { certifiedCapacity: number | null } | null;
}

function results(o: Over): Results {
  return {
    search: o.search ?? null,
    timeline: o.timeline ?? [],
    summary: {
      calls: { attempted: o.attempted, answered: o.answered, failed: o.failed, aborted: o.aborted ?? 0, unfinished: o.unfinished ?? 0 },
      failuresByCause: o.byCause ?? {},
      failuresByCode: o.byCode ?? {},
      concurrency: { peak: o.peak ?? 0 },
    },
  } as unknown as Results;
}

describe('接通率 and 呼损率', () => {
  it('answer ratio + loss ratio is 1, and the parts add up to the calls lost, each with its cause', () => {
    const r = results({
      attempted: 5000, answered: 4990, failed: 8, aborted: 2,
      byCause: { rejected: 5, ring_timeout: 2, timeout: 1, bye_timeout: 3 }, byCode: { '503': 4, '486': 1, '487': 2 },
    });
    const l = callLoss(r);
    expect(l.answerRatio).toBeCloseTo(4990 / 5000, 12);
    expect(l.lossRatio).toBeCloseTo(10 / 5000, 12);
    expect(l.answerRatio! + l.lossRatio!).toBeCloseTo(1, 12);
    expect(l.parts.map((p) => [p.cause, p.count])).toEqual([['rejected', 5], ['timeout', 1], ['ring_timeout', 2], ['aborted', 2]]);
    expect(l.parts.reduce((a, p) => a + p.count, 0)).toBe(l.lost);
    // A BYE that timed out is a connected call that ended badly: shown apart, never in the loss.
    expect(l.droppedAfterAnswer).toEqual([{ cause: 'bye_timeout', count: 3 }]);
    const t = lossText(l, r.summary.failuresByCode);
    expect(t.zh).toBe('10 / 5000 = 0.20 %：平台拒绝（3xx–6xx） ×5；无最终响应（Timer B） ×1；振铃超时未应答 ×2；运行结束时尚未应答（中止） ×2（最终响应码 486 ×1, 487 ×2, 503 ×4）');
    expect(ratioText(l.answered, l.attempted, l.answerRatio)).toBe('4990 / 5000 = 99.80 %');
  });

  it('a cause it does not name is shown as the remainder, so the parts still add up', () => {
    const l = callLoss(results({ attempted: 100, answered: 97, failed: 3, byCause: { rejected: 1, some_new_cause: 2 } }));
    expect(l.parts.map((p) => [p.cause, p.count])).toEqual([['rejected', 1], ['other', 2]]);
  });

  it('no loss reads as such; no attempts give no ratio', () => {
    const l = callLoss(results({ attempted: 20, answered: 20, failed: 0 }));
    expect(lossText(l, {}).en).toBe('0 / 20 = 0.00 % (no call lost)');
    expect(callLoss(results({ attempted: 0, answered: 0, failed: 0 })).answerRatio).toBeNull();
  });
});

describe('最大无差错并发数', () => {
  it('with no failed attempt it is the peak', () => {
    expect(maxErrorFree(results({ attempted: 10, answered: 10, failed: 0, peak: 1003 }))).toEqual({ channels: 1003, basis: 'whole-run', firstFailureS: null });
  });

  it('with failures it is the most calls up before the first second with a failed attempt, not the later peak', () => {
    const timeline = [
      { t: 1, active: 300, failures: 0 }, { t: 2, active: 700, failures: 0 }, { t: 3, active: 950, failures: 0 },
      { t: 4, active: 990, failures: 2 }, { t: 5, active: 1200, failures: 0 },
    ];
    const e = maxErrorFree(results({ attempted: 2000, answered: 1998, failed: 2, peak: 1200, timeline }));
    expect(e).toEqual({ channels: 950, basis: 'before-first-failure', firstFailureS: 4 });
    expect(errorFreeText(e).zh).toBe('950 路（第 4 秒出现首个失败呼叫之前的最大并发）');
  });

  it('a capacity search answers with its verified step', () => {
    expect(maxErrorFree(results({ attempted: 1, answered: 0, failed: 1, search: { certifiedCapacity: 1200 } })).channels).toBe(1200);
  });
});
