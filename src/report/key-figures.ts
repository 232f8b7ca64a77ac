/**
 * The figures a licence reviewer looks for first, as the summary table prints them:
 * 最大无差错并发数, 接通率, 呼损率 with its parts, answer time, server resources, stability.
 * Each is computed here from results.json alone and printed with the counts it divides,
 * so a reader can redo it from the file (definitions: SUMMARY_DEFINITIONS, printed in the definitions
 * appendix, and docs/report.md).
 */
import type { Results } from '../results/summary.js';
import { bi, type Bi } from './i18n.js';
import { fmtNum, fmtMs } from './model.js';

/** Causes of an attempt that never got an answer, with the words the report uses for each. */
const UNANSWERED_CAUSES: Readonly<Record<string, Bi>> = {
  rejected: bi('平台拒绝（3xx–6xx）', 'rejected by the platform (3xx–6xx)'),
  timeout: bi('无最终响应（Timer B）', 'no final response (Timer B)'),
  ring_timeout: bi('振铃超时未应答', 'not answered within the ring timeout'),
  auth_failed: bi('鉴权失败', 'authentication failed'),
  transport_error: bi('传输错误', 'transport error'),
  data_exhausted: bi('呼叫数据耗尽（未发送，发生器侧）', 'call data exhausted (not sent; generator side)'),
  media_no_port: bi('无空闲 RTP 端口（未发送，发生器侧）', 'no free RTP port (not sent; generator side)'),
};

/** Causes of an answered call that did not end normally (not part of 呼损: the call was connected). */
const AFTER_ANSWER_CAUSES = ['bye_failed', 'bye_timeout', 'drain_timeout', 'media_no_codec', 'media_no_stream', 'media_bad_answer', 'media_bad_sdp'] as const;

export interface LossPart {
  cause: string;
  label: Bi;
  count: number;
}

export interface CallLoss {
  attempted: number;
  answered: number;
  /** answered ÷ attempted (接通率); null without attempts. */
  answerRatio: number | null;
  /** attempted − answered. */
  lost: number;
  /** lost ÷ attempted (呼损率) = 1 − answerRatio; null without attempts. */
  lossRatio: number | null;
  /** What the lost calls were, summing to `lost` (a remainder, if any, is its own part). */
  parts: LossPart[];
  /** Answered calls that did not end normally, by cause (dropped, not lost). */
  droppedAfterAnswer: { cause: string; count: number }[];
}

/** 接通率 and 呼损率 from summary.calls and failuresByCause; the parts always add up to the loss. */
export function callLoss(r: Results): CallLoss {
  const c = r.summary.calls;
  const byCause = r.summary.failuresByCause;
  const lost = Math.max(0, c.attempted - c.answered);
  const parts: LossPart[] = [];
  for (const [cause, label] of Object.entries(UNANSWERED_CAUSES)) {
    const n = byCause[cause] ?? 0;
    if (n > 0) parts.push({ cause, label, count: n });
  }
  if (c.aborted > 0) parts.push({ cause: 'aborted', label: bi('运行结束时尚未应答（中止）', 'not yet answered when the run stopped (aborted)'), count: c.aborted });
  if (c.unfinished > 0) parts.push({ cause: 'unfinished', label: bi('运行结束时仍在进行', 'still in progress when the workers finished'), count: c.unfinished });
  const known = parts.reduce((a, p) => a + p.count, 0);
  // Causes this list does not name (a future one) still count: the remainder is shown, never dropped.
  if (known < lost) parts.push({ cause: 'other', label: bi('其他原因', 'other causes'), count: lost - known });
  const droppedAfterAnswer = AFTER_ANSWER_CAUSES.map((cause) => ({ cause, count: byCause[cause] ?? 0 })).filter((d) => d.count > 0);
  return {
    attempted: c.attempted,
    answered: c.answered,
    answerRatio: c.attempted > 0 ? c.answered / c.attempted : null,
    lost,
    lossRatio: c.attempted > 0 ? lost / c.attempted : null,
    parts,
    droppedAfterAnswer,
  };
}

export interface ErrorFree {
  /** The largest number of established calls while no attempt had failed; null: nothing established. */
  channels: number | null;
  /** Where it comes from: the certified step of a search, the whole run, or the seconds before the first failure. */
  basis: 'search' | 'whole-run' | 'before-first-failure';
  /** Second of the run in which the first failed attempt ended (before-first-failure only). */
  firstFailureS: number | null;
}

/**
 * 最大无差错并发数: the most calls up at once with no failed attempt.
 * A capacity search answers it by its certified step (every criterion held on it, generator
 * healthy). Otherwise, with no failed attempt in the run, it is the peak concurrency; with
 * failures, the most established calls at the end of any second before the first second in
 * which an attempt failed (timeline[].active) — the run's later, higher peak is not error-free.
 */
export function maxErrorFree(r: Results): ErrorFree {
  if (r.search !== null && r.search !== undefined) {
    return { channels: r.search.certifiedCapacity, basis: 'search', firstFailureS: null };
  }
  if (r.summary.calls.failed === 0) return { channels: r.summary.concurrency.peak, basis: 'whole-run', firstFailureS: null };
  let best: number | null = null;
  for (const p of r.timeline) {
    if (p.failures > 0) return { channels: best, basis: 'before-first-failure', firstFailureS: p.t };
    best = Math.max(best ?? 0, p.active);
  }
  // Failures counted in the totals but in no second (a last interval not reported): the whole timeline.
  return { channels: best, basis: 'before-first-failure', firstFailureS: null };
}

export function fmtRatio(n: number | null): string {
  return n === null ? '—' : `${(n * 100).toFixed(2)} %`;
}

export function errorFreeText(e: ErrorFree): Bi {
  const v = e.channels === null ? '—' : `${fmtNum(e.channels)} 路`;
  const ve = e.channels === null ? '—' : `${fmtNum(e.channels)} channels`;
  switch (e.basis) {
    case 'search': return bi(`${v}（容量搜索中最后一个全部准则满足的台阶）`, `${ve} (the last capacity-search step on which every criterion held)`);
    case 'whole-run': return bi(`${v}（全程无失败呼叫，取峰值并发）`, `${ve} (no failed attempt in the run: the peak)`);
    default:
      return e.firstFailureS === null
        ? bi(`${v}（首个失败呼叫之前的最大并发）`, `${ve} (most calls up before the first failed attempt)`)
        : bi(`${v}（第 ${e.firstFailureS} 秒出现首个失败呼叫之前的最大并发）`, `${ve} (most calls up before the first failed attempt, in second ${e.firstFailureS})`);
  }
}

/** "4998 / 5000 = 99.96 %" */
export function ratioText(num: number, den: number, ratio: number | null): string {
  return `${fmtNum(num)} / ${fmtNum(den)} = ${fmtRatio(ratio)}`;
}

/** 呼损率 with its parts: "2 / 5000 = 0.04 %：平台拒绝（3xx–6xx） ×1；振铃超时未应答 ×1（最终响应码 503 ×1, 487 ×1）". */
export function lossText(l: CallLoss, failuresByCode: Readonly<Record<string, number>>): Bi {
  const head = ratioText(l.lost, l.attempted, l.lossRatio);
  if (l.parts.length === 0) return bi(`${head}（无呼损）`, `${head} (no call lost)`);
  // The codes cut across the causes (a ring timeout ends in our CANCEL's 487), so they follow the parts.
  const codes = Object.entries(failuresByCode).filter(([, n]) => n > 0).map(([k, n]) => `${k} ×${n}`).join(', ');
  const list = (lang: 'zh' | 'en', sep: string) => l.parts.map((p) => `${p.label[lang]} ×${p.count}`).join(sep);
  return bi(
    `${head}：${list('zh', '；')}${codes === '' ? '' : `（最终响应码 ${codes}）`}`,
    `${head}: ${list('en', '; ')}${codes === '' ? '' : ` (final responses ${codes})`}`,
  );
}

/** "12.3（p50 1.1 · p99 40.2）": the mean, with the median and the tail beside it. */
export function answerTimeText(s: Results['summary']['setupMs']): string {
  if (s.count === 0) return '—';
  return `${fmtMs(s.mean)} (p50 ${fmtMs(s.p50)} · p99 ${fmtMs(s.p99)})`;
}

/** How the summary's reviewer figures are computed, printed in the definitions appendix. */
export const SUMMARY_DEFINITIONS: readonly Bi[] = [
  bi('接通率 = 应答呼叫数 ÷ 呼叫尝试数（summary.calls.answered ÷ attempted）。', 'Answer ratio = answered ÷ attempted calls (summary.calls.answered ÷ attempted).'),
  bi(
    '呼损率 = （呼叫尝试数 − 应答呼叫数）÷ 呼叫尝试数 = 1 − 接通率；其构成按失败原因（summary.failuresByCause：平台拒绝、无最终响应、振铃超时、鉴权失败、传输错误，以及发生器侧未发送的呼叫）、运行结束时中止（calls.aborted）与未结束（calls.unfinished）列出，各部分之和等于未接通数。应答后异常结束的呼叫（BYE 失败或超时、媒体协商失败）已接通，单列，不计入呼损。',
    'Call-loss ratio = (attempted − answered) ÷ attempted = 1 − answer ratio; its parts are listed by failure cause (summary.failuresByCause: rejected by the platform, no final response, ring timeout, authentication, transport, and calls the generator never sent), aborted when the run stopped (calls.aborted) and unfinished (calls.unfinished), and add up to the calls not answered. Answered calls that ended abnormally (BYE failed or timed out, media not negotiated) were connected: they are listed apart and are not in the loss.',
  ),
  bi(
    '最大无差错并发数：容量搜索时为最后一个所有判定准则均满足且发生器健康的台阶；其他运行中，全程无失败呼叫时为峰值并发（concurrency.peak），否则为首个出现失败呼叫的秒之前各秒末已建立呼叫数（timeline[].active）的最大值。',
    'Maximum error-free concurrent calls: for a capacity search, the last step on which every criterion held with a healthy generator; otherwise the peak concurrency (concurrency.peak) when no attempt failed in the run, else the most calls established at the end of any second before the first second with a failed attempt (timeline[].active).',
  ),
  bi('平均应答时间：INVITE 发出（或计划发出，取较早者）至 200 OK 的平均值，即呼叫建立时延 setupMs 的均值。', 'Mean answer time: the mean of INVITE sent (or due, whichever was earlier) to 200 OK, i.e. the mean of the call setup delay setupMs.'),
];
