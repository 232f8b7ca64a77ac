/**
 * What kind of test a run was and the figures that depend on its stages, computed from results.json and
 * report.yaml only:
 * - the title rule: "压力测试" (GB/T 39788-2021 §3.2: load above the specified capacity) only when a stage of a
 *   closed-model run (a capacity search included) holds more channels than the specified capacity — report.yaml
 *   `ratedChannels`, else the search's `load.require`, else the licence's 1000 路; every other run is a
 *   "负载测试（容量验证）" (an open-model run's stages are rates, never compared with a channel count);
 * - a target on the generator's own host (loopback), stated on the cover and in the environment section;
 * - per-stage call rates and Little's law over the hold window, from the per-second timeline.
 */
import { isIP } from 'node:net';
import type { Results } from '../results/summary.js';
import { parseSipUri } from '../sip/message/uri.js';
import { bi, type Bi } from './i18n.js';
import { LICENCE_MIN_CHANNELS } from './licence.js';
import type { ReportMeta } from './meta.js';

/** The specified capacity an overload stage is measured against, and where it comes from. */
export function ratedChannels(r: Results, meta: Pick<ReportMeta, 'ratedChannels'>): { channels: number; source: Bi } {
  if (meta.ratedChannels !== null) return { channels: meta.ratedChannels, source: bi('委托方声明的设计容量（report.yaml ratedChannels）', "the client's declared capacity (report.yaml ratedChannels)") };
  const req = r.search?.require ?? null;
  if (req !== null) return { channels: req, source: bi('容量搜索要求（load.require）', 'the capacity search requirement (load.require)') };
  return { channels: LICENCE_MIN_CHANNELS, source: bi('许可申请材料要求的并发处理能力', 'the concurrency the licence application asks for') };
}

/** True when the run held a stage above the specified capacity: only then is it a 压力测试 (stress test). */
export function hasOverloadStage(r: Results, meta: Pick<ReportMeta, 'ratedChannels'>): boolean {
  if (r.scenario.model !== 'closed') return false;
  const rated = ratedChannels(r, meta).channels;
  return r.scenario.stages.some((s) => s.target > rated);
}

/** The report's title: stress test with an overload stage, load test (capacity verification) otherwise. */
export function reportTitle(r: Results, meta: Pick<ReportMeta, 'ratedChannels'>): Bi {
  return hasOverloadStage(r, meta)
    ? bi('呼叫中心系统压力测试报告', 'Call Centre System Stress Test Report')
    : bi('呼叫中心系统负载测试（容量验证）报告', 'Call Centre System Load Test (Capacity Verification) Report');
}

/** 压力测试 / 负载测试（容量验证）, as the test's type is named in the text. */
export function testKind(r: Results, meta: Pick<ReportMeta, 'ratedChannels'>): Bi {
  return hasOverloadStage(r, meta) ? bi('压力测试', 'stress test') : bi('负载测试（容量验证）', 'load test (capacity verification)');
}

/** The subtitle under the title: a test, never a certification (认证 is a regulated activity in China). */
export const SUBTITLE: Bi = bi('（SIP 呼叫负载与容量测试）', '(SIP call load and capacity test)');

/** The target URI's host is the generator's own (127.0.0.0/8, ::1, localhost). */
export function isLoopbackTarget(uri: string): boolean {
  const u = parseSipUri(uri);
  if ('error' in u) return false;
  const h = u.host.toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(h);
  return false;
}

export const LOOPBACK_NOTE: Bi = bi(
  '被测目标地址为负载发生器本机（回环地址）：负载发生器与被测对象共用同一主机，测试结果不反映网络传输，也不能排除二者争用资源。',
  "The target address is the load generator's own host (loopback): generator and target shared one host, so the results include no network path and cannot exclude contention between the two.",
);

export interface StageRate {
  /** 1-based stage number. */
  n: number;
  startMs: number;
  endMs: number;
  /** Stage target at its end (channels or calls/s). */
  from: number;
  target: number;
  /** Calls attempted per second over the stage, from the per-second timeline; null when the timeline has no second of it. */
  attemptsPerS: number | null;
  answersPerS: number | null;
}

const round1 = (x: number) => Math.round(x * 10) / 10;

/** Timeline points (t = end of the second) inside (startMs, endMs]. */
function pointsIn(r: Results, startMs: number, endMs: number) {
  return r.timeline.filter((p) => p.t * 1000 > startMs && p.t * 1000 <= endMs);
}

/** Per-stage call rates (attempts and answers per second over each stage), not a whole-run average; a 0 s step is no stage of its own. */
export function stageRates(r: Results): StageRate[] {
  let start = 0;
  let prev = 0;
  return r.scenario.stages.map((s, i) => {
    const end = start + s.durationMs;
    const pts = pointsIn(r, start, end);
    const secs = pts.length;
    const row: StageRate = {
      n: i + 1, startMs: start, endMs: end, from: prev, target: s.target,
      attemptsPerS: secs === 0 ? null : round1(pts.reduce((a, p) => a + p.attempts, 0) / secs),
      answersPerS: secs === 0 ? null : round1(pts.reduce((a, p) => a + p.answers, 0) / secs),
    };
    start = end;
    prev = s.target;
    return row;
  }).filter((s) => s.endMs > s.startMs);
}

/**
 * Little's law over the hold (sustained) window: answers per second inside the window × mean hold. The mean
 * hold is results.json's own (littlesLawExpected ÷ the whole-run answer rate, the two figures it was computed
 * from), rounded to 0.1 s. Null without a sustained window or answers.
 */
export function littleOverHold(r: Results): { expected: number; answersPerS: number; meanHoldS: number; windowS: number } | null {
  const c = r.summary.concurrency;
  const w = c.sustainedWindowMs;
  if (w === null || r.summary.cps.answered <= 0) return null;
  const pts = pointsIn(r, w[0], w[1]);
  const windowS = (w[1] - w[0]) / 1000;
  if (pts.length === 0 || windowS <= 0) return null;
  const meanHoldS = round1(c.littlesLawExpected / r.summary.cps.answered);
  const answersPerS = pts.reduce((a, p) => a + p.answers, 0) / windowS;
  return { expected: round1(answersPerS * meanHoldS), answersPerS: round1(answersPerS), meanHoldS, windowS: round1(windowS) };
}

/** The stages in both languages: "60 s 内由 0 线性增至 1000 路，保持 1000 路 60 s" / "0→1000 channels over 60 s, hold 1000 channels for 60 s". */
export function stagesText(r: Results): Bi {
  const closed = r.scenario.model === 'closed';
  const zhUnit = closed ? '路' : '次/秒';
  const enUnit = closed ? 'channels' : 'cps';
  const secs = (ms: number) => `${Math.round(ms) / 1000} s`;
  if (r.scenario.stages.length === 0) return bi('无阶段', 'no stages');
  const zh: string[] = [];
  const en: string[] = [];
  let from = 0;
  for (const s of r.scenario.stages) {
    if (s.durationMs <= 0) {
      zh.push(`跃升至 ${s.target} ${zhUnit}`);
      en.push(`step to ${s.target} ${enUnit}`);
    } else if (s.target === from) {
      zh.push(`保持 ${s.target} ${zhUnit} ${secs(s.durationMs)}`);
      en.push(`hold ${s.target} ${enUnit} for ${secs(s.durationMs)}`);
    } else {
      zh.push(`${secs(s.durationMs)} 内由 ${from} 线性${s.target > from ? '增' : '降'}至 ${s.target} ${zhUnit}`);
      en.push(`${from}→${s.target} ${enUnit} over ${secs(s.durationMs)}`);
    }
    from = s.target;
  }
  return bi(zh.join('，'), en.join(', '));
}
