/**
 * Licence-readiness (BRIEF §2.10): each technical requirement of the call-centre
 * licence guide mapped to evidence measured in this run, or to "not tested".
 * A plain SIP run measures only the channel count; everything else stays
 * "not tested" until the compliance probes put evidence into results.json —
 * never an unmeasured pass.
 */
import type { Results, SearchResults } from '../results/schema.js';
import { bi, type Bi } from './i18n.js';
import type { RunStatus } from './model.js';
import { outboundOf, recordingEvidence } from './http-figures.js';

export const LICENCE_MIN_CHANNELS = 1000;

export type LicenceState = 'met' | 'not-met' | 'met-run-invalid' | 'not-tested';

export interface LicenceRow {
  requirement: Bi;
  state: LicenceState;
  /** What was measured, or why nothing was. */
  evidence: Bi;
}

const NOT_TESTED: Bi = bi('本次测试未覆盖该项，无测量证据', 'not exercised by this run; no measured evidence');

/** results.json `search` (capacity search). */
export type SearchEvidence = SearchResults;

export function searchOf(r: Results): SearchEvidence | null {
  return r.search;
}

export function licenceRows(r: Results, status: RunStatus): LicenceRow[] {
  const rows = [channelsRow(r, status), ...otherRows(r, status)];
  if (!r.target.embedded) return rows;
  // Evidence about callcert's own simulator is no evidence about a platform: say so on every measured row.
  return rows.map((row) => (row.state === 'not-tested' ? row : {
    ...row,
    evidence: bi(`${row.evidence.zh}（对象为 callcert 内置模拟呼叫中心）`, `${row.evidence.en} (target: callcert's embedded simulator)`),
  }));
}

function channelsRow(r: Results, status: RunStatus): LicenceRow {
  const requirement = bi('并发通道数 ≥ 1000', '≥ 1,000 concurrent channels');
  const invalid = status === 'invalid' || status === 'running';
  // A capacity search's evidence is the certified step (the last one that met every criterion), not the
  // run-wide minimum, which includes the step that failed.
  const search = searchOf(r);
  if (search !== null) {
    const step = search.steps.find((st) => st.level === search.certifiedCapacity && st.pass) ?? null;
    if (step === null || step.sustained === null) {
      return { requirement, state: search.steps.length === 0 ? 'not-tested' : 'not-met', evidence: bi('容量搜索没有通过的台阶', 'capacity search: no step passed') };
    }
    const ev = bi(`容量搜索认证台阶 ${step.level}：持续并发 ${step.sustained}`, `capacity search certified level ${step.level}: sustained ${step.sustained}`);
    const state: LicenceState = step.sustained < LICENCE_MIN_CHANNELS ? 'not-met' : invalid ? 'met-run-invalid' : 'met';
    return { requirement, state, evidence: ev };
  }
  const sustained = r.summary.concurrency.sustained;
  let channels: LicenceRow;
  if (sustained === null) {
    channels = { requirement: bi('并发通道数 ≥ 1000', '≥ 1,000 concurrent channels'), state: 'not-tested', evidence: bi('本次运行无保持阶段，未测得持续并发', 'no hold stage in this run: sustained concurrency not measured') };
  } else {
    const reached = sustained >= LICENCE_MIN_CHANNELS;
    const ev = bi(
      `持续并发 ${sustained}（峰值 ${r.summary.concurrency.peak}，目标 ${r.summary.concurrency.target ?? '—'}）`,
      `sustained ${sustained} (peak ${r.summary.concurrency.peak}, target ${r.summary.concurrency.target ?? '—'})`,
    );
    const state: LicenceState = !reached ? 'not-met' : status === 'invalid' || status === 'running' ? 'met-run-invalid' : 'met';
    channels = { requirement: bi('并发通道数 ≥ 1000', '≥ 1,000 concurrent channels'), state, evidence: ev };
  }
  return channels;
}

function otherRows(r: Results, status: RunStatus): LicenceRow[] {
  return [
    { requirement: bi('呼入业务', 'Inbound calls'), state: 'not-tested', evidence: NOT_TESTED },
    outboundRow(r, status),
    recordingRow(r, status),
    { requirement: bi('数据存储', 'Data storage'), state: 'not-tested', evidence: NOT_TESTED },
    { requirement: bi('外呼规则（同一主叫间隔 ≥ 6 秒、每日上限）', 'Outbound-calling rules (≥ 6 s between calls per line, daily cap)'), state: 'not-tested', evidence: NOT_TESTED },
  ];
}

/**
 * Outbound calls are evidenced when the run drove the platform to call
 * callcert's UAS (summary.outbound, from HTTP flows that originate calls):
 * measured, with what was answered; otherwise not tested.
 */
function outboundRow(r: Results, status: RunStatus): LicenceRow {
  const requirement = bi('呼出业务', 'Outbound calls');
  const ob = outboundOf(r);
  if (ob === null || ob.calls.offered === 0) return { requirement, state: 'not-tested', evidence: NOT_TESTED };
  const un = ob.calls.uncorrelated;
  const evidence = bi(
    `经 HTTP 流程调用 API 后，平台向 callcert 被叫端发起 ${ob.calls.offered} 次呼叫，应答 ${ob.calls.answered}，失败 ${ob.calls.failed}，峰值并发 ${ob.concurrency.peak}${un > 0 ? `，其中 ${un} 次无法对应到 API 请求` : ''}`,
    `after API requests from the HTTP flows, the platform placed ${ob.calls.offered} calls to callcert's UAS: ${ob.calls.answered} answered, ${ob.calls.failed} failed, peak ${ob.concurrency.peak} concurrent${un > 0 ? `; ${un} could not be matched to an API request` : ''}`,
  );
  // Only calls matched to the API request that asked for them show the platform dialling out on request.
  const state: LicenceState = ob.calls.answered - un <= 0 || ob.calls.failed > 0 ? 'not-met' : status === 'invalid' || status === 'running' ? 'met-run-invalid' : 'met';
  return { requirement, state, evidence };
}

/**
 * Recording: what a run can show is that recording metadata was retrievable
 * through the API — flow steps named like "recording" answered 2xx — so the
 * row claims exactly that, naming the steps and counts; the audio itself is
 * never checked. Without such a step: not tested.
 */
function recordingRow(r: Results, status: RunStatus): LicenceRow {
  const ev = recordingEvidence(r).filter((e) => e.attempts > 0);
  if (ev.length === 0) return { requirement: bi('通话录音', 'Call recording'), state: 'not-tested', evidence: NOT_TESTED };
  const requirement = bi('通话录音：录音元数据可经 API 获取', 'Call recording: recording metadata retrievable via the API');
  const zh = ev.map((e) => `流程 ${e.flow} 步骤 ${e.step}：${e.attempts} 次中成功 ${e.succeeded} 次（2xx 响应 ${e.ok2xx} 次），错误 ${e.errors} 次`).join('；');
  const en = ev.map((e) => `flow ${e.flow} step ${e.step}: ${e.succeeded} of ${e.attempts} succeeded (${e.ok2xx} 2xx responses), ${e.errors} errors`).join('; ');
  const evidence = bi(`${zh}；未检查录音内容`, `${en}; the audio itself was not checked`);
  const ok = ev.every((e) => e.errors === 0 && e.succeeded > 0 && e.ok2xx >= e.succeeded);
  const state: LicenceState = !ok ? 'not-met' : status === 'invalid' || status === 'running' ? 'met-run-invalid' : 'met';
  return { requirement, state, evidence };
}
