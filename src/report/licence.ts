/**
 * Licence-readiness (BRIEF §2.10): each technical requirement of the call-centre
 * licence guide mapped to evidence measured in this run, or to "not tested".
 * A plain SIP run measures only the channel count; media (summary.media)
 * evidences the voice-channel row, the recording probe (summary.recordings)
 * the recording row, the outbound-rule probe (summary.outboundRules) the outbound-calling rows;
 * everything else stays "not tested" until the compliance
 * probes put evidence into results.json — never an unmeasured pass.
 */
import type { OutboundRulesResults, Results, SearchResults } from '../results/schema.js';
import { bi, type Bi } from './i18n.js';
import type { RunStatus } from './model.js';
import { fmtMs } from './format.js';
import { outboundOf, recordingEvidence, counts } from './http-figures.js';
import { mediaCriteria, mediaOf, type RecordingFigures } from './media-figures.js';
import type { RetentionResults } from '../probe/retention.js';

export const LICENCE_MIN_CHANNELS = 1000;

/** not-applicable: the run's object was callcert's own simulator, evidence of no platform. */
export type LicenceState = 'met' | 'not-met' | 'met-run-invalid' | 'not-tested' | 'not-applicable';

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

/** `recordings`: summary.recordings as media-figures.ts read it (not in the parsed document on this schema version). */
export function licenceRows(
  r: Results, status: RunStatus, recordings: RecordingFigures | null = null, retention: readonly RetentionResults[] = [],
): LicenceRow[] {
  const rows = [channelsRow(r, status), voiceRow(r, status), ...otherRows(r, status, recordings, retention)];
  if (!r.target.embedded) return rows;
  // Evidence about callcert's own simulator is no evidence about a platform: every row is not applicable,
  // what was measured kept as the reason's detail.
  return rows.map((row) => ({
    ...row,
    state: 'not-applicable',
    evidence: bi(`对象为 callcert 内置模拟呼叫中心，不构成对任何平台的证据（${row.evidence.zh}）`, `target: callcert's embedded simulator, evidence of no platform (${row.evidence.en})`),
  }));
}

/** The run's own calls are inbound calls to the platform: measured at the SIP signalling level; IVR and agents are not. */
function inboundRow(r: Results, status: RunStatus): LicenceRow {
  const requirement = bi('呼入业务（SIP 信令层）', 'Inbound calls (SIP signalling)');
  const c = r.summary.calls;
  if (c.attempted === 0) return { requirement, state: 'not-tested', evidence: NOT_TESTED };
  const evidence = bi(
    `呼入 ${c.attempted} 次，应答 ${c.answered} 次，失败 ${c.failed} 次；IVR 流程与坐席接续未测试`,
    `${c.attempted} inbound calls, ${c.answered} answered, ${c.failed} failed; IVR flow and agent connection not tested`,
  );
  return { requirement, state: shown(status, c.answered > 0 && c.failed === 0), evidence };
}

function channelsRow(r: Results, status: RunStatus): LicenceRow {
  const requirement = bi('并发处理能力 ≥ 1000 路', '≥ 1,000 concurrent channels');
  const invalid = status === 'invalid' || status === 'running';
  // A capacity search's evidence is the certified step (the last one that met every criterion), not the
  // run-wide minimum, which includes the step that failed.
  const search = searchOf(r);
  if (search !== null) {
    const step = search.steps.find((st) => st.level === search.certifiedCapacity && st.pass) ?? null;
    if (step === null || step.sustained === null) {
      return { requirement, state: search.steps.length === 0 ? 'not-tested' : 'not-met', evidence: bi('容量搜索没有通过的台阶', 'capacity search: no step passed') };
    }
    const ev = bi(`容量搜索验证台阶 ${step.level}：持续并发 ${step.sustained}`, `capacity search verified level ${step.level}: sustained ${step.sustained}`);
    const state: LicenceState = step.sustained < LICENCE_MIN_CHANNELS ? 'not-met' : invalid ? 'met-run-invalid' : 'met';
    return { requirement, state, evidence: ev };
  }
  const sustained = r.summary.concurrency.sustained;
  let channels: LicenceRow;
  if (sustained === null) {
    channels = { requirement: bi('并发处理能力 ≥ 1000 路', '≥ 1,000 concurrent channels'), state: 'not-tested', evidence: bi('本次运行无保持阶段，未测得持续并发', 'no hold stage in this run: sustained concurrency not measured') };
  } else {
    const reached = sustained >= LICENCE_MIN_CHANNELS;
    const ev = bi(
      `持续并发 ${sustained}（峰值 ${r.summary.concurrency.peak}，目标 ${r.summary.concurrency.target ?? '—'}）`,
      `sustained ${sustained} (peak ${r.summary.concurrency.peak}, target ${r.summary.concurrency.target ?? '—'})`,
    );
    const state: LicenceState = !reached ? 'not-met' : status === 'invalid' || status === 'running' ? 'met-run-invalid' : 'met';
    channels = { requirement: bi('并发处理能力 ≥ 1000 路', '≥ 1,000 concurrent channels'), state, evidence: ev };
  }
  return channels;
}

const shown = (status: RunStatus, ok: boolean): LicenceState => (!ok ? 'not-met' : status === 'invalid' || status === 'running' ? 'met-run-invalid' : 'met');

/**
 * Voice channels: the concurrency claim is about channels that carry voice. Measured when the run had
 * media (summary.media): met when every answered call ran media, none was one-way or crossed, and
 * every media criterion of the scenario passed; MOS-CQE p5 and the per-call loss p95 are quoted.
 * Without media the channels carried signalling only: not tested.
 */
function voiceRow(r: Results, status: RunStatus): LicenceRow {
  const requirement = bi('语音：并发呼叫承载双向语音', 'Voice: the concurrent calls carry two-way audio');
  const m = mediaOf(r);
  if (m === null) return { requirement, state: 'not-tested', evidence: bi('本次运行仅有信令，未携带语音媒体', 'signalling only: the run carried no media') };
  const answered = r.summary.calls.answered;
  const crit = mediaCriteria(r);
  const critZh = crit.length === 0 ? '场景未规定语音质量判定准则' : `语音准则 ${crit.map((c) => `${c.metric} ${c.criterion}：${c.pass ? '通过' : '不通过'}`).join('，')}`;
  const critEn = crit.length === 0 ? 'the scenario sets no media criterion' : `media criteria ${crit.map((c) => `${c.metric} ${c.criterion}: ${c.pass ? 'pass' : 'fail'}`).join(', ')}`;
  const evidence = bi(
    `${m.codec}：应答 ${answered} 通中 ${m.calls.withMedia} 通有媒体，单向音频 ${m.calls.oneWayAudio}，串音 ${m.calls.crossedMedia}；MOS-CQE p5 ${m.mosCqe.p5 ?? '—'}，每呼叫丢包率 p95 ${m.lossRatioPerCall.p95 ?? '—'}；${critZh}`,
    `${m.codec}: ${m.calls.withMedia} of ${answered} answered calls carried media, ${m.calls.oneWayAudio} one-way audio, ${m.calls.crossedMedia} crossed media; MOS-CQE p5 ${m.mosCqe.p5 ?? '—'}, per-call loss ratio p95 ${m.lossRatioPerCall.p95 ?? '—'}; ${critEn}`,
  );
  const carried = m.calls.withMedia > 0 && m.calls.withMedia >= answered && m.calls.oneWayAudio === 0 && m.calls.crossedMedia === 0;
  const ok = carried && crit.every((c) => c.pass);
  return { requirement, state: shown(status, ok), evidence };
}

function otherRows(
  r: Results, status: RunStatus, recordings: RecordingFigures | null, retention: readonly RetentionResults[],
): LicenceRow[] {
  return [
    inboundRow(r, status),
    outboundRow(r, status),
    recordings === null ? recordingRow(r, status) : recordingProbeRow(r, status, recordings),
    retentionRow(status, recordings, retention),
    { requirement: bi('数据存储', 'Data storage'), state: 'not-tested', evidence: NOT_TESTED },
    ...outboundRulesRows(r, status),
  ];
}

type RuleResult = OutboundRulesResults['rules'][number];
type CallRef = NonNullable<RuleResult['violation']>['calls'][number];

const RULE_REQUIREMENT: Record<RuleResult['rule'], Bi> = {
  minInterval: bi('外呼规则：同一主叫号码两次呼叫的最小间隔', 'Outbound-calling rules: least interval between two calls of one line'),
  maxPerLinePerDay: bi('外呼规则：同一主叫号码每日呼叫上限', 'Outbound-calling rules: calls per line per day'),
  window: bi('外呼规则：允许呼叫时段', 'Outbound-calling rules: calling window'),
  maxPerCallee: bi('外呼规则：同一被叫号码呼叫次数', 'Outbound-calling rules: calls per callee'),
};

const callRef = (c: CallRef, tz: string) => `${c.callId} @ ${c.local} ${tz}`;

/**
 * The outbound-rule probe (summary.outboundRules): one row per limit the scenario set, each with the
 * limit and its source as the scenario states them (callcert hard-codes none), what was measured at
 * callcert's UAS — the least interval and the per-line counts —, what the API answered to requests
 * that asked for more than the limit, and on a failure the line and the two calls that break it.
 * Without the probe (or without a limit) one row, not tested.
 */
function outboundRulesRows(r: Results, status: RunStatus): LicenceRow[] {
  const o = r.summary.outboundRules;
  const single = bi('外呼规则（同一主叫间隔、每日上限、呼叫时段、同一被叫次数）', 'Outbound-calling rules (interval and daily cap per line, calling window, calls per callee)');
  if (o === undefined) return [{ requirement: single, state: 'not-tested', evidence: NOT_TESTED }];
  if (o.rules.length === 0) return [{ requirement: single, state: 'not-tested', evidence: bi('场景 outboundRules 未设定任何限值', 'the scenario\'s outboundRules sets no limit') }];
  const perLine = o.lines.filter((l) => l.calls > 0);
  const linesZh = perLine.map((l) => `${l.line} ${l.calls} 次（最小间隔 ${l.minIntervalMs ?? '—'} ms）`).join('，');
  const linesEn = perLine.map((l) => `${l.line} ${l.calls} calls (least interval ${l.minIntervalMs ?? '—'} ms)`).join(', ');
  const observed = bi(
    `callcert 被叫端收到 ${o.invites} 次 INVITE，${perLine.length} 条主叫线路：${linesZh || '—'}`,
    `callcert's UAS received ${o.invites} INVITEs on ${perLine.length} line(s): ${linesEn || '—'}`,
  );
  return o.rules.map((rule) => {
    const requirement = RULE_REQUIREMENT[rule.rule];
    if (rule.state === 'not-tested') {
      return { requirement, state: 'not-tested' as const, evidence: bi(`未收到任何 INVITE（平台未外呼）；限值 ${limitText(rule).zh}，来源：${rule.source}`, `no INVITE was received (the platform placed no call); limit ${limitText(rule).en}, source: ${rule.source}`) };
    }
    const lim = limitText(rule);
    const m = measuredText(rule, o);
    const asked = rule.asked === 0 ? bi('', '') : bi(
      `；超限请求 ${rule.asked} 次：拒绝 ${rule.refused} 次，受理 ${rule.accepted} 次${rule.state === 'pass' && rule.accepted > 0 ? '（已节流）' : ''}`,
      `; ${rule.asked} request(s) asked for more than the limit: ${rule.refused} refused, ${rule.accepted} accepted${rule.state === 'pass' && rule.accepted > 0 ? ' (paced)' : ''}`,
    );
    const answers = rule.asked === 0 ? '' : ` [${Object.entries(mergeAnswers(o)).map(([k, n]) => `${k}×${n}`).join(' ')}]`;
    const v = rule.violation;
    const fail = v === null ? bi('', '') : violationText(rule, v, o.tz);
    const evidence = bi(
      `限值 ${lim.zh}（来源：${rule.source}）；实测 ${m.zh}${asked.zh}${answers}${fail.zh}；${observed.zh}`,
      `limit ${lim.en} (source: ${rule.source}); measured ${m.en}${asked.en}${answers}${fail.en}; ${observed.en}`,
    );
    return { requirement, state: shown(status, rule.state === 'pass'), evidence };
  });
}

function limitText(rule: RuleResult): Bi {
  switch (rule.rule) {
    case 'minInterval': return bi(`≥ ${rule.limit} ms`, `≥ ${rule.limit} ms`);
    case 'maxPerLinePerDay': return bi(`每线路每日 ≤ ${rule.limit} 次`, `≤ ${rule.limit} calls per line per day`);
    case 'window': return bi(`${rule.limit}`, `${rule.limit}`);
    case 'maxPerCallee': return bi(`每被叫 ≤ ${rule.limit} 次`, `≤ ${rule.limit} calls per callee`);
  }
}

function measuredText(rule: RuleResult, o: OutboundRulesResults): Bi {
  switch (rule.rule) {
    case 'minInterval': return bi(`最小间隔 ${rule.measured ?? '—'} ms`, `least interval ${rule.measured ?? '—'} ms`);
    case 'maxPerLinePerDay': {
      const per = o.lines.filter((l) => l.calls > 0).map((l) => `${l.line} ${l.maxPerDay}`).join(', ');
      return bi(`单日单线路最多 ${rule.measured ?? '—'} 次（${per}）`, `at most ${rule.measured ?? '—'} calls of one line in a day (${per})`);
    }
    case 'window': return bi(`时段外呼叫 ${rule.measured ?? 0} 次`, `${rule.measured ?? 0} call(s) outside the window`);
    case 'maxPerCallee': return bi(`单一被叫最多 ${rule.measured ?? '—'} 次（${o.callees.distinct} 个被叫）`, `at most ${rule.measured ?? '—'} calls to one callee (${o.callees.distinct} callees)`);
  }
}

function violationText(rule: RuleResult, v: NonNullable<RuleResult['violation']>, tz: string): Bi {
  const calls = v.calls.map((c) => callRef(c, tz)).join(' / ');
  switch (rule.rule) {
    case 'minInterval': {
      // As recorded, like the verdict table: a gap of 5999.96 ms must not print as the 6000 ms limit.
      const gap = v.calls.length === 2 ? Math.round((v.calls[1].atMs - v.calls[0].atMs) * 1000) / 1000 : null;
      return bi(`；违规：线路 ${v.line} 相距最近的两次呼叫 ${calls}，间隔 ${gap ?? '—'} ms`, `; broken by line ${v.line}: its two calls closest together ${calls}, ${gap ?? '—'} ms apart`);
    }
    case 'maxPerLinePerDay': return bi(`；违规：线路 ${v.line} 在 ${v.day} 呼叫 ${v.count} 次（第 ${rule.limit} 次与第 ${Number(rule.limit) + 1} 次：${calls}）`, `; broken by line ${v.line}: ${v.count} calls on ${v.day} (call ${rule.limit} and ${Number(rule.limit) + 1}: ${calls})`);
    case 'window': return bi(`；违规：线路 ${v.line} 等 ${v.count} 次时段外呼叫（${calls}）`, `; broken: ${v.count} call(s) outside the window, first by line ${v.line} (${calls})`);
    case 'maxPerCallee': return bi(`；违规：被叫 ${v.callee} 被呼叫 ${v.count} 次（${calls}）`, `; broken: callee ${v.callee} called ${v.count} times (${calls})`);
  }
}

/** The API's answers to every originate, by status, over all lines. */
function mergeAnswers(o: OutboundRulesResults): Record<string, number> {
  const out: Record<string, number> = {};
  for (const l of o.lines) for (const [k, n] of Object.entries(l.requests.answers)) out[k] = (out[k] ?? 0) + n;
  return out;
}

/**
 * Recording retention: one run cannot show that recordings are kept (the licence asks ≥ 30 days), a later
 * look can — the latest `callcert probe recordings` of this run: how many of its recordings were still
 * valid, and how old the oldest confirmed one was then. Met when every call it checked still had one; the
 * age is printed for the reader to set against the period required.
 */
function retentionRow(status: RunStatus, recordings: RecordingFigures | null, retention: readonly RetentionResults[]): LicenceRow {
  const requirement = bi('录音保存期限：运行后复查录音仍在', 'Recording retention: recordings re-checked after the run');
  const last = [...retention].sort((a, b) => a.probedAt.localeCompare(b.probedAt)).at(-1);
  if (last === undefined) {
    const how = recordings === null ? bi('未复查', 'not re-checked') : bi('未复查（运行若干天后执行 `callcert probe recordings`）', 'not re-checked (run `callcert probe recordings` days after the run)');
    return { requirement, state: 'not-tested', evidence: how };
  }
  const s = last.summary;
  if (s.checked === 0) return { requirement, state: 'not-tested', evidence: bi(`${last.probedAt} 复查：未检查任何呼叫`, `re-checked ${last.probedAt}: no call checked`) };
  const age = last.oldestConfirmedAgeDays;
  const evidence = bi(
    `${last.probedAt} 复查（共 ${retention.length} 次）：${s.checked} 通中 ${s.valid} 通录音仍有效，最早一条确认时已保存 ${age ?? '—'} 天，失败 ${counts(s.failures)}`,
    `re-checked ${last.probedAt} (${retention.length} re-check(s)): ${s.valid} of ${s.checked} recordings still valid, the oldest confirmed ${age ?? '—'} days old, failures ${counts(s.failures)}`,
  );
  return { requirement, state: shown(status, s.valid === s.checked), evidence };
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
 * Recording without a recording probe: what a run can show is that recording metadata was retrievable
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

/**
 * Recording, measured by the recording probe (summary.recordings): the calls it checked and how many
 * had a valid recording. Met when a recording_completeness criterion passed, or, without one, when
 * every checked call had a valid recording; a probe that checked no call is no evidence.
 */
function recordingProbeRow(r: Results, status: RunStatus, rec: RecordingFigures): LicenceRow {
  const requirement = bi('通话录音：录音完整率（录音探针）', 'Call recording: recording completeness (recording probe)');
  if (rec.checked === 0) return { requirement, state: 'not-tested', evidence: bi('录音探针未检查任何呼叫', 'the recording probe checked no call') };
  const crit = r.criteria.filter((c) => c.metric === 'recording_completeness');
  const src = rec.source === 'http' ? bi('HTTP 接口', 'HTTP') : rec.source === 'rtpengine' ? bi('rtpengine 录音目录（pcap）', 'rtpengine spool (pcap)') : bi('录音目录', 'directory');
  const scopeZh = rec.sample === null ? `应答 ${rec.answered} 通中检查 ${rec.checked} 通` : `应答 ${rec.answered} 通中抽样检查 ${rec.checked} 通（抽样 ${rec.sample}）`;
  const scopeEn = rec.sample === null ? `${rec.checked} of ${rec.answered} answered calls checked` : `${rec.checked} of ${rec.answered} answered calls checked (sample of ${rec.sample})`;
  const fails = counts(rec.failures);
  const ruleZh = crit.length > 0 ? `准则 ${crit.map((c) => `${c.criterion}：${c.pass ? '通过' : '不通过'}`).join('，')}` : '无准则：要求每通被检查的呼叫都有有效录音';
  const ruleEn = crit.length > 0 ? `criterion ${crit.map((c) => `${c.criterion}: ${c.pass ? 'pass' : 'fail'}`).join(', ')}` : 'no criterion: every checked call must have a valid recording';
  const evidence = bi(
    `${src.zh}，${scopeZh}，有效 ${rec.valid}，完整率 ${rec.completeness}，时长容差 ${fmtMs(rec.toleranceMs)} ms，失败 ${fails}；${ruleZh}`,
    `${src.en}, ${scopeEn}, ${rec.valid} valid, completeness ${rec.completeness}, duration tolerance ${fmtMs(rec.toleranceMs)} ms, failures ${fails}; ${ruleEn}`,
  );
  const ok = crit.length > 0 ? crit.every((c) => c.pass) : rec.valid === rec.checked;
  return { requirement, state: shown(status, ok), evidence };
}
