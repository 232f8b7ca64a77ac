/**
 * The report's sections, in the order a Chinese test report is read (notices,
 * summary, then numbered sections and appendices), as format-neutral blocks
 * (blocks.ts). Content comes from the ReportModel and report.yaml only;
 * figures are printed as recorded (`fmtNum`). The PDF adds its cover and
 * signature boxes around these; the HTML page shows them as they are.
 */
import type { Results } from '../results/summary.js';
import { T, bi, type Bi } from './i18n.js';
import { hostEnvRows } from './host-rows.js';
import type { ReportMeta } from './meta.js';
import { fmtBytes, fmtDurationMs, fmtMs, fmtNum, isValidStatus, type ReportModel } from './model.js';
import { capacitySpec, loadProfileSpec, resultSpecs } from './chart-specs.js';
import { searchOf, type LicenceState, type SearchEvidence } from './licence.js';
import type { Block, Cell, Section, Text } from './blocks.js';
import { httpSections } from './http-sections.js';
import { httpFlowsOf, httpLoadsOf, outboundOf } from './http-figures.js';
import { mediaOf } from './media-figures.js';
import { mediaBlocks } from './media-sections.js';
import { platformBlocks, platformOf } from './platform-sections.js';
import { stabilityBlocks } from './stability-sections.js';
import { stabilityFigures } from './stability-figures.js';
import { flatStageWindows } from '../load/stages.js';
import { timeIn } from './meta.js';
import { answerTimeText, callLoss, errorFreeText, lossText, maxErrorFree, ratioText, SUMMARY_DEFINITIONS } from './key-figures.js';
import { isLoopbackTarget, littleOverHold, LOOPBACK_NOTE, stageRates, stagesText, testKind } from './run-kind.js';

type Dist = Results['summary']['setupMs'];


/** The cover banner of a run against the embedded simulator (red, Chinese first). */
export const SIMULATOR_BANNER: Bi = bi(
  '本报告为内置模拟呼叫中心的自检/演示报告，不得用于电信业务许可申请',
  "This report is a self-check/demonstration against callcert's embedded simulated call centre and must not be used in a telecom licence application",
);

/** The verdict as shown: an invalid or unfinished run never reads PASS; a simulator run never reads PASS either. */
export function verdictText(m: ReportModel): { text: Bi; tone: 'ok' | 'bad' | 'muted' } {
  if (m.results.target.embedded && isValidStatus(m.status)) {
    return m.status === 'failed'
      ? { text: bi('自检完成（不适用于许可）：判定准则未满足', 'SELF-CHECK COMPLETE (not for licensing): criteria not met'), tone: 'bad' }
      : { text: bi('自检完成（不适用于许可）', 'SELF-CHECK COMPLETE (not for licensing)'), tone: 'bad' };
  }
  switch (m.status) {
    case 'passed': return { text: T.pass, tone: 'ok' };
    case 'failed': return { text: T.fail, tone: 'bad' };
    case 'not_judged': return { text: T.notJudged, tone: 'bad' };
    case 'running': return { text: bi('未完成：运行尚未结束，本报告不作为合格依据', 'NOT FINISHED: the run had not ended; this report is not evidence of conformity'), tone: 'bad' };
    default: return { text: bi('无效：测试中断或负载发生器饱和，本报告不作为合格依据', 'INVALID: the run was interrupted or the load generator saturated; this report is not evidence of conformity'), tone: 'bad' };
  }
}

/** "测试结论 / Verdict: 通过 / PASS", worded as on the cover. */
export const verdictLine = (m: ReportModel): Text => [T.verdict, ': ', verdictText(m).text];

export function invalidNotice(m: ReportModel): Block[] {
  if (isValidStatus(m.status)) return [];
  return [{ kind: 'notice', title: bi('测试无效', 'Run not valid'), items: m.invalidReasons }];
}

export function dist(s: Dist | null | undefined): string {
  if (s === null || s === undefined) return '—';
  return `p50 ${fmtMs(s.p50)} · p90 ${fmtMs(s.p90)} · p95 ${fmtMs(s.p95)} · p99 ${fmtMs(s.p99)} · max ${fmtMs(s.max)} · mean ${fmtMs(s.mean)} (n=${fmtNum(s.count)})`;
}

/** "Verdict" cell of a criterion or a search step: PASS only for a met threshold in a valid run. */
function verdictCell(m: ReportModel, pass: boolean, actual: number | null): Cell {
  if (actual === null) return { text: bi(`${T.notMeasured.zh} — ${T.fail.zh}`, `${T.notMeasured.en} — ${T.fail.en}`), tone: 'bad' };
  if (!pass) return { text: T.fail, tone: 'bad' };
  if (!isValidStatus(m.status)) return { text: T.metButInvalid, tone: 'bad' };
  // Against the simulator a met threshold is a self-check result, never a green PASS.
  if (m.results.target.embedded) return { text: bi('达到阈值（自检）', 'threshold met (self-check)'), tone: 'muted' };
  return { text: T.pass, tone: 'ok' };
}

/** A search step's verdict: a step that saturated the generator says so instead of FAIL (it judged nothing of the platform). */
function stepCell(m: ReportModel, st: SearchEvidence['steps'][number]): Cell {
  if ((st.generator?.saturatedBy.length ?? 0) > 0) return { text: bi('发生器饱和（不计）', 'generator saturated (not judged)'), tone: 'bad' };
  return verdictCell(m, st.pass, st.sustained);
}

export const LICENCE_LABEL: Record<LicenceState, Bi> = {
  met: bi('符合', 'conforms'),
  'not-met': bi('不符合', 'does not conform'),
  'met-run-invalid': bi('数值达到，但测试无效', 'value reached, test invalid'),
  'not-tested': bi('未测试（原因见证据栏）', 'not tested (reason under evidence)'),
  'not-applicable': bi('不适用', 'not applicable'),
};

/** Where the pass criteria come from, printed beside each (report.yaml criteriaSource). */
export const criteriaSourceLabel = (meta: ReportMeta): Bi => (meta.criteriaSource === 'client' ? bi('委托方要求', "client's requirement") : bi('场景设定', 'set by the scenario'));

/** A criterion as printed: the expression and its source. */
const criterionText = (x: { metric: string; criterion: string }, meta: ReportMeta): Text => [`${x.metric} ${x.criterion}（`, criteriaSourceLabel(meta), '）'];

export { fmtMs } from './model.js';

const modelText = (r: Results): Bi => (r.scenario.model === 'closed' ? bi('固定并发（封闭）模型：每路通话结束后立即补呼', 'closed model: channels held, each call replaced as it ends') : bi('开放模型：按计划速率发起呼叫', 'open model: call arrival rate'));

/**
 * The certified figure of a capacity search in one sentence, numbers as in
 * results.json `search`: the certified level, and the step and criterion that ended it.
 */
export function certifiedSentence(
  s: Pick<SearchEvidence, 'failingCriterion' | 'certifiedCapacity' | 'failedStep' | 'require' | 'generatorLimit' | 'generatorSaturatedBy'> & { stoppedBy: string | null; steps: readonly unknown[] },
): Bi {
  const fc = s.failingCriterion;
  const cap = s.certifiedCapacity;
  let zh = cap === null ? '验证容量：无（没有通过的台阶）' : `验证容量：${fmtNum(cap)} 路`;
  let en = cap === null ? 'Verified capacity: none (no step passed)' : `Verified capacity: ${fmtNum(cap)} channels`;
  if (s.stoppedBy === 'generator') {
    const why = (s.generatorSaturatedBy ?? []).join('; ');
    zh += `；台阶 ${fmtNum(s.generatorLimit ?? null)} 负载发生器饱和（${why}），搜索在此停止：这是本发生器主机的极限而非被测平台的，平台容量不低于验证值`;
    en += `; at step ${fmtNum(s.generatorLimit ?? null)} the generator saturated (${why}) and the search stopped: this is the generator host's limit, not the platform's — the platform's capacity is at least the verified figure`;
  } else if (fc !== null) {
    zh += `；台阶 ${fmtNum(s.failedStep)} 未满足 ${fc.metric} ${fc.criterion}（实测 ${fmtNum(fc.actual)}）`;
    en += `; step ${fmtNum(s.failedStep)} failed ${fc.metric} ${fc.criterion} (actual ${fmtNum(fc.actual)})`;
  } else if (s.stoppedBy === 'ceiling') {
    zh += '；所有台阶直至上限均通过（容量不低于该值）';
    en += '; every step up to the ceiling passed (capacity at least this)';
  } else if (cap !== null || s.steps.length > 0) {
    zh += '；搜索在出现未通过台阶之前停止';
    en += '; the search stopped before any step failed';
  }
  if (s.require !== null) {
    const met = cap !== null && cap >= s.require;
    zh += `；要求 ≥ ${s.require}：${met ? '满足' : '不满足'}`;
    en += `; required ≥ ${s.require}: ${met ? 'met' : 'not met'}`;
  }
  return bi(`${zh}。`, `${en}.`);
}

function notices(meta: ReportMeta): Section {
  const tz = meta.timeZone;
  const contact = [meta.lab, meta.labAddress, meta.labContact].filter((x) => x !== null).join('，');
  const items: Bi[] = [
    bi('本报告的测试结果仅对被测系统的所测版本及本报告所述测试环境有效。', 'The results apply only to the tested version of the system under test and to the environment described in this report.'),
    bi('本报告无编制、审核、批准人签字及测试单位盖章无效。', 'This report is invalid without the signatures of the preparer, reviewer and approver and the seal of the test laboratory.'),
    bi('本报告涂改、增删无效；未经测试单位书面同意，不得部分复制本报告。', 'Altered reports are invalid; the report may not be reproduced in part without the laboratory\'s written consent.'),
    bi('原始数据（results.json 等）作为附件嵌入本 PDF，其 SHA-256 列于附录 B；可用 callcert verify 命令校验附件、页面内容与判定的一致性。', 'The raw data (results.json and others) is attached inside this PDF with its SHA-256 in Appendix B; the callcert verify command checks the attachments, the page content and the verdicts against each other.'),
    bi('判定所依据的测量值即 results.json 中记录的数值，未作改变判定结果的舍入（指标判定表与外呼规则行中的测量值照录）；其余以毫秒计的数值均按 0.1 ms 修约（GB/T 8170）。', 'The measured values verdicts rest on are those recorded in results.json, without rounding that could change a verdict (the verdict table and the outbound-rule rows print them as recorded); every other figure in milliseconds is rounded to 0.1 ms (GB/T 8170).'),
    bi('测试被中断或负载发生器饱和的测试不能得出“通过”结论，并在封面与摘要中注明；对象为内置模拟器的测试不得出具许可用结论。', 'A test that was interrupted or whose load generator saturated cannot conclude in a pass, and the cover and summary say so; a test against the embedded simulator gives no conclusion usable for a licence.'),
    bi(`本报告所列时间均为 ${tz} 时间，并注明与 UTC 的时差。`, `Times in this report are in ${tz}, with their offset from UTC.`),
    bi('复制报告未重新加盖测试单位检验检测专用章无效。', 'A copy of this report is invalid unless re-stamped with the laboratory\'s test seal.'),
    bi(
      `对本报告若有异议，应于收到报告之日起 ${meta.objectionDays} 日内向测试单位提出${contact === '' ? '' : `（${contact}）`}，逾期不予受理。`,
      `Objections to this report must reach the laboratory within ${meta.objectionDays} days of its receipt${contact === '' ? '' : ` (${contact})`}.`,
    ),
  ];
  return { id: 'notices', n: null, title: T.notices, blocks: [{ kind: 'list', ordered: true, items }] };
}

/**
 * The summary table: the figures a licence reviewer reads first (key-figures.ts), each with the
 * counts it is computed from, then the run's size. `lay` names the sections with the detail.
 */
function keyFiguresRows(m: ReportModel, lay: ResultsLayout): Cell[][] {
  const r = m.results;
  const s = r.summary;
  const loss = callLoss(r);
  const dropped = loss.droppedAfterAnswer.map((d) => `${d.cause} ×${d.count}`).join(', ');
  return [
    [bi('最大无差错并发数（路）', 'Maximum error-free concurrent calls'), errorFreeText(maxErrorFree(r))],
    [bi('稳定保持并发呼叫数（路）', 'Sustained concurrent calls'), fmtNum(s.concurrency.sustained)],
    [bi('峰值并发呼叫数（路）', 'Peak concurrent calls'), fmtNum(s.concurrency.peak)],
    [bi('接通率（应答/呼叫尝试）', 'Answer ratio (answered/attempted)'), ratioText(loss.answered, loss.attempted, loss.answerRatio)],
    [bi('呼损率（未接通/呼叫尝试）及其构成', 'Call-loss ratio (not answered/attempted) and its parts'), lossText(loss, s.failuresByCode)],
    [bi('应答后异常结束（不计入呼损）', 'Answered calls that ended abnormally (not in the loss)'), dropped === '' ? '0' : dropped],
    [bi('呼叫建立成功率 SER（RFC 6076）', 'Session establishment ratio SER (RFC 6076)'), fmtNum(s.ratios.ser)],
    [bi('平均应答时间（INVITE→200 OK，毫秒）', 'Mean answer time (INVITE→200 OK, ms)'), answerTimeText(s.setupMs)],
    [bi('呼叫建立时延 p95（毫秒）', 'Call setup delay p95 (ms)'), fmtMs(s.setupMs.p95)],
    ...mediaKeyFigures(m),
    [bi('服务器资源占用', 'Server resources'), serverResourcesCell(m, lay)],
    [bi('稳定性', 'Stability'), stabilityCell(r, lay)],
    [bi('呼叫尝试', 'Calls attempted'), fmtNum(s.calls.attempted)],
    [bi('应答', 'Answered'), fmtNum(s.calls.answered)],
    [bi('失败', 'Failed'), fmtNum(s.calls.failed)],
    [bi('测试时长', 'Duration'), fmtDurationMs(r.durationMs)],
  ];
}

/** Each platform server's CPU and memory peaks, or why there are none. */
function serverResourcesCell(m: ReportModel, lay: ResultsLayout): Cell {
  const p = platformOf(m.results);
  if (p === null || lay.platform === null) return { text: bi('未测试（场景未配置平台监控 platform:）', 'not tested (the scenario has no platform: monitoring)'), tone: 'muted' };
  const per = Object.entries(p.instances).map(([name, i]) => {
    const cpu = i.summary.cpuPct.max;
    const mem = i.summary.memUsedPct.max;
    return `${name}: CPU max ${cpu === null ? '—' : `${cpu.toFixed(1)} %`}, mem max ${mem === null ? '—' : `${mem.toFixed(1)} %`}`;
  });
  return bi(`${per.join('；')}（见 ${lay.platform}）`, `${per.join('; ')} (see ${lay.platform})`);
}

/** A stability claim needs a hold of at least 1 h (results.json stability); with one, its hours and any drift flagged. */
function stabilityCell(r: Results, lay: ResultsLayout): Cell {
  const f = stabilityFigures(r);
  if (f === null || lay.stability === null) {
    // The same holds the stability window is chosen from (load/stability.ts).
    const longestMs = flatStageWindows(r.scenario.stages).filter((w) => w.target > 0).reduce((a, w) => Math.max(a, w.endMs - w.startMs), 0);
    return { text: bi(`未测试（最长保持阶段 ${fmtDurationMs(longestMs)}，不足 1 小时）`, `not tested (longest hold ${fmtDurationMs(longestMs)}, under 1 h)`), tone: 'muted' };
  }
  const drifting = [...f.memoryDrift.filter((d) => d.drift).map((d) => d.series), ...(f.setupDrift.drift ? ['setup p95'] : [])];
  const hours = f.rows.length;
  return drifting.length === 0
    ? bi(`保持 ${hours} 小时，未发现漂移（见 ${lay.stability}）`, `held ${hours} h, no drift found (see ${lay.stability})`)
    : { text: bi(`保持 ${hours} 小时，发现漂移：${drifting.join('、')}（见 ${lay.stability}）`, `held ${hours} h, drift found: ${drifting.join(', ')} (see ${lay.stability})`), tone: 'bad' };
}

/** With media: MOS-CQE p5 and the per-call loss p95, the figures a voice-channel claim rests on. */
function mediaKeyFigures(m: ReportModel): Cell[][] {
  const md = mediaOf(m.results);
  if (md === null) return [];
  return [
    [bi('MOS-CQE p5', 'MOS-CQE p5'), fmtNum(md.mosCqe.p5)],
    [bi('每呼叫丢包率 p95', 'Per-call loss ratio p95'), fmtNum(md.lossRatioPerCall.p95)],
  ];
}

/** The summary page's body (the PDF adds the signature boxes after it). */
function summary(m: ReportModel, meta: ReportMeta): Section {
  const r = m.results;
  const v = verdictText(m);
  const failing = r.criteria.filter((x) => !x.pass).map((x) => `${x.metric} ${x.criterion}`);
  const search = searchOf(r);
  const kind = testKind(r, meta);
  const blocks: Block[] = [
    ...simulatorBanner(m),
    { kind: 'p', text: verdictLine(m), tone: v.tone, strong: true },
    ...invalidNotice(m),
    { kind: 'p', text: bi(
      `${kind.zh}：场景“${r.scenario.name}”（${modelText(r).zh}）于 ${timeIn(r.startedAt, meta.timeZone)} 开始，持续 ${fmtDurationMs(r.durationMs)}，目标 ${m.targetUri}（${r.target.transport}）。`,
      `${kind.en}: scenario "${r.scenario.name}" (${modelText(r).en}) started ${timeIn(r.startedAt, meta.timeZone)}, ran ${fmtDurationMs(r.durationMs)} against ${m.targetUri} (${r.target.transport}).`,
    ) },
    ...loopbackNote(m),
    ...(search === null ? [] : [{ kind: 'p' as const, text: certifiedSentence(search), strong: true }]),
    ...(failing.length > 0 ? [{ kind: 'p' as const, text: bi(`未满足的判定准则：${failing.join('；')}`, `Criteria not met: ${failing.join('; ')}`), tone: 'bad' as const }] : []),
    { kind: 'table', head: [T.item, T.value], rows: keyFiguresRows(m, resultsLayout(m)), widths: ['*', 240] },
  ];
  return { id: 'summary', n: null, title: T.summary, blocks };
}

/** The simulator banner, as a block (the summary; the PDF cover prints it too). */
export function simulatorBanner(m: ReportModel): Block[] {
  return m.results.target.embedded ? [{ kind: 'p', text: SIMULATOR_BANNER, tone: 'bad', strong: true }] : [];
}

/** A target on the generator's own host, said where the target is named. */
export function loopbackNote(m: ReportModel): Block[] {
  return isLoopbackTarget(m.results.target.uri) ? [{ kind: 'p', text: LOOPBACK_NOTE, tone: 'bad' }] : [];
}

/** Sub-section numbers of section 7, which depend on what the run measured. */
interface ResultsLayout {
  search: string | null; http: string[]; media: string | null; platform: string | null; licence: string; charts: string;
  stability: string | null;
}

function resultsLayout(m: ReportModel): ResultsLayout {
  let k = 2;
  const next = () => `7.${++k}`;
  const search = searchOf(m.results) === null ? null : next();
  const http = httpSections(m.results).map(() => next());
  const media = mediaOf(m.results) === null ? null : next();
  const platform = platformOf(m.results) === null ? null : next();
  const stability = (m.results.stability?.hours.length ?? 0) === 0 ? null : next();
  return { search, http, media, platform, stability, licence: next(), charts: next() };
}

/** The HTTP side of the scope, when the run had one (names only; figures are in section 7). */
function httpScope(r: Results): Block[] {
  const loads = Object.keys(httpLoadsOf(r));
  const flows = Object.keys(httpFlowsOf(r));
  if (loads.length + flows.length === 0) return [];
  const zh = [loads.length > 0 ? `HTTP 负载 ${loads.join('、')}` : '', flows.length > 0 ? `HTTP 流程 ${flows.join('、')}` : '', outboundOf(r) !== null ? '平台向 callcert 被叫端的外呼' : ''].filter((x) => x !== '');
  const en = [loads.length > 0 ? `HTTP loads ${loads.join(', ')}` : '', flows.length > 0 ? `HTTP flows ${flows.join(', ')}` : '', outboundOf(r) !== null ? "the platform's outbound calls to callcert's UAS" : ''].filter((x) => x !== '');
  return [{ kind: 'p', text: bi(`同时测量：${zh.join('；')}。`, `Also measured: ${en.join('; ')}.`) }];
}

/** Voice media, when the run carried it (figures in its sub-section of section 7). */
function mediaScope(r: Results, lay: ResultsLayout): Block[] {
  const md = mediaOf(r);
  if (md === null || lay.media === null) return [];
  return [{ kind: 'p', text: bi(`语音媒体：每通应答呼叫双向 RTP（${md.codec}），测量见 ${lay.media}。`, `Voice media: RTP both ways on every answered call (${md.codec}), measured in ${lay.media}.`) }];
}

function purpose(m: ReportModel, lay: ResultsLayout, meta: ReportMeta): Section {
  const r = m.results;
  const stages = stagesText(r);
  return {
    id: 'purpose', n: '1', title: T.purpose, blocks: [
      { kind: 'h2', title: ['1.1 ', bi('测试目的', 'Purpose')] },
      { kind: 'p', text: bi(`${testKind(r, meta).zh}：在规定负载下测量被测呼叫中心系统的 SIP 呼叫处理能力（并发呼叫数、呼叫速率、呼叫建立时延、呼叫建立成功率），并按判定准则给出结论。`, `${testKind(r, meta).en}: measure the SIP call-handling capacity of the platform under test (concurrent calls, call rate, setup delay, establishment ratio) under a defined load, and conclude against the pass criteria.`) },
      { kind: 'h2', title: ['1.2 ', bi('测试范围', 'Scope')] },
      { kind: 'p', text: bi(`SIP 信令负载：${stages.zh}；目标 ${m.targetUri}，传输 ${r.target.transport}。本次运行未测得的许可技术要求见 ${lay.licence}。`, `SIP signalling load: ${stages.en}; target ${m.targetUri} over ${r.target.transport}. Licence requirements this run did not measure are listed in ${lay.licence}.`) },
      ...httpScope(r),
      ...mediaScope(r, lay),
      ...(lay.platform === null ? [] : [{ kind: 'p' as const, text: bi(`平台服务器资源（CPU、内存、网络）：运行期间通过 Prometheus 抓取，见 ${lay.platform}。`, `Platform server resources (CPU, memory, network): scraped over Prometheus during the run, in ${lay.platform}.`) }]),
      { kind: 'h2', title: ['1.3 ', bi('判定准则', 'Pass criteria')] },
      r.criteria.length === 0
        ? { kind: 'p', text: bi('场景未规定判定准则。', 'The scenario sets no pass criteria.') }
        : { kind: 'list', items: r.criteria.map((x) => criterionText(x, meta)) },
      { kind: 'p', tone: 'muted', text: bi('判定规则：按实测值直接判定，不考虑测量不确定度。', 'Decision rule: each criterion is judged on the measured value as it is, without allowance for measurement uncertainty.') },
      { kind: 'p', tone: 'muted', text: bi('测试有效性条件：测试未被中断，负载发生器的发送时刻偏差 p99 与发生器进程延迟 p99 不超过第 4 节所列上限。', 'A test is valid evidence only if it was not interrupted and the generator\'s schedule slip p99 and event-loop lag p99 stayed within the limits in section 4.') },
    ],
  };
}

function standards(meta: ReportMeta): Section {
  return { id: 'standards', n: '2', title: T.standards, blocks: [{ kind: 'list', ordered: true, items: [...meta.standards] }] };
}

function sut(m: ReportModel, meta: ReportMeta): Section {
  const r = m.results;
  const blocks: Block[] = [{ kind: 'table', head: [T.item, T.value], widths: [150, '*'], rows: [
    [T.system, meta.system?.name ?? T.notProvided],
    [T.version, meta.system?.version ?? T.notProvided],
    [bi('生产/开发单位', 'Vendor'), meta.system?.vendor ?? T.notProvided],
    [bi('部署方式', 'Deployment'), meta.system?.deployment ?? T.notProvided],
    [bi('SIP 目标', 'SIP target'), m.targetUri],
    [bi('传输协议', 'Transport'), r.target.transport],
  ] }];
  if (r.target.embedded) {
    blocks.push({ kind: 'p', tone: 'bad', text: bi('注意：本次被测对象为 callcert 内置的模拟呼叫中心（演示或自检），不是真实平台。', 'Note: the target was callcert\'s embedded simulated call centre (a demonstration or self-check), not a real platform.') });
  }
  blocks.push(...loopbackNote(m));
  blocks.push({ kind: 'h2', title: bi('网络拓扑', 'Topology') }, { kind: 'topology' });
  return { id: 'sut', n: '3', title: T.sut, blocks };
}

function environment(m: ReportModel): Section {
  const g = m.results.generator;
  return {
    id: 'environment', n: '4', title: T.environment, blocks: [
      { kind: 'p', text: bi('负载发生器主机（测试时记录于 results.json）：', 'Load generator host (as recorded in results.json by the run):') },
      ...loopbackNote(m),
      { kind: 'table', head: [T.item, T.value], widths: [180, '*'], rows: [
        ['CPU', `${g.host.cpuModel} × ${g.host.cpus}`],
        [bi('内存', 'Memory'), fmtBytes(g.host.totalMemBytes)],
        [bi('操作系统', 'OS'), g.host.platform],
        ['Node.js', g.host.node],
        ...hostEnvRows(g.host),
        [bi('工作线程', 'Worker threads'), fmtNum(g.workers)],
        [bi('发送时刻偏差 p99 上限（毫秒）', 'Schedule slip p99 limit (ms)'), fmtMs(g.limits.maxScheduleSlipMsP99)],
        [bi('发生器进程延迟 p99 上限（毫秒）', 'Event-loop lag p99 limit (ms)'), fmtMs(g.limits.maxEventLoopLagMsP99)],
      ] },
    ],
  };
}

function tools(m: ReportModel): Section {
  const r = m.results;
  const t = m.tool;
  const blocks: Block[] = [
    { kind: 'table', head: [bi('工具', 'Tool'), T.version, bi('说明', 'Notes')], widths: [110, 60, '*'], rows: [
      [['callcert (', bi('运行', 'run'), ')'], r.tool.version, bi('产生 results.json 的版本', 'version that produced results.json')],
      [['callcert (', bi('报告', 'report'), ')'], t.version, { text: `SHA-256 ${t.sha256} (${t.files} files)`, small: true }],
      ['Node.js', r.generator.host.node, bi('运行时', 'runtime')],
    ] },
    { kind: 'p', tone: 'muted', small: true, text: bi('软件包 SHA-256：对 bin/、dist/ 与 package.json 各文件按路径排序后的 sha256sum 清单再取 SHA-256。', 'Package SHA-256: SHA-256 of the sha256sum listing of every file under bin/, dist/ and package.json, sorted by path.') },
  ];
  if (r.tool.version !== t.version) blocks.push({ kind: 'p', tone: 'bad', text: bi(`注意：运行版本 ${r.tool.version} 与报告生成版本 ${t.version} 不同。`, `Note: run version ${r.tool.version} differs from the report generator's ${t.version}.`) });
  return { id: 'tools', n: '5', title: T.tools, blocks };
}

function method(m: ReportModel): Section {
  const r = m.results;
  const search = searchOf(r) !== null;
  const model: Bi = search
    ? bi('容量搜索：逐级提高保持的并发呼叫数（路），每级按其保持时段判定，首个未通过的台阶结束搜索', 'capacity search: channels held stepped up level by level, each step judged on its own hold window; the first failing step ends the search')
    : r.scenario.model === 'closed'
      ? bi('固定并发（封闭）模型：保持 N 路并发呼叫，每路通话结束后立即补呼', 'closed: hold N channels, replacing each call as it ends')
      : bi('开放模型：按计划速率发起呼叫', 'open: calls started at a scheduled rate');
  return {
    id: 'method', n: '6', title: T.method, blocks: [
      { kind: 'table', head: [T.item, T.value], widths: [110, '*'], rows: [
        [bi('场景', 'Scenario'), r.scenario.name],
        [bi('场景文件', 'Scenario file'), r.scenario.file ?? bi('（命令行参数）', '(command-line flags)')],
        [bi('负载模型', 'Load model'), model],
        [bi('阶段', 'Stages'), stagesText(r)],
        [bi('计时方法', 'Timing'), bi('时延自计划发送时刻起算，发生器自身排队延迟计入结果（避免协调遗漏 coordinated omission 导致的低估）', 'every delay is timed from the intended send time, so the generator\'s own queueing counts (no coordinated omission)')],
        [bi('各阶段呼叫速率（次/秒，尝试/应答）', 'Call rate per stage (calls/s, attempted/answered)'), stageRateText(r)],
      ] },
      { kind: 'chart', n: '6.1', spec: loadProfileSpec(r) },
    ],
  };
}

/** Per-stage call rates from the timeline: "阶段 1 0→1000：16.7 / 16.7；阶段 2 …". */
function stageRateText(r: Results): Bi {
  const rows = stageRates(r);
  if (rows.length === 0) return bi('—', '—');
  const zh = rows.map((s) => `阶段 ${s.n}（${fmtNum(s.startMs / 1000)}–${fmtNum(s.endMs / 1000)} s，${fmtNum(s.from)}→${fmtNum(s.target)}）：${fmtNum(s.attemptsPerS)} / ${fmtNum(s.answersPerS)}`).join('；');
  const en = rows.map((s) => `stage ${s.n} (${fmtNum(s.startMs / 1000)}–${fmtNum(s.endMs / 1000)} s, ${fmtNum(s.from)}→${fmtNum(s.target)}): ${fmtNum(s.attemptsPerS)} / ${fmtNum(s.answersPerS)}`).join('; ');
  return bi(zh, en);
}

/** Little's law over the hold window, with what it rests on; the whole-run figure would mix in the ramp. */
function littleText(r: Results): Bi {
  const l = littleOverHold(r);
  if (l === null) return bi('—（无稳定保持时段）', '— (no hold window)');
  return bi(
    `${fmtNum(l.expected)}（保持时段应答速率 ${fmtNum(l.answersPerS)} 次/秒 × 平均通话时长 ${fmtNum(l.meanHoldS)} s）`,
    `${fmtNum(l.expected)} (answers ${fmtNum(l.answersPerS)}/s over the hold window × mean hold ${fmtNum(l.meanHoldS)} s)`,
  );
}

function searchBlocks(m: ReportModel, n: string): Block[] {
  const search = searchOf(m.results);
  if (search === null) return [];
  const chart = capacitySpec(m.results);
  return [
    { kind: 'h2', title: [`${n} `, bi('容量搜索', 'Capacity search')] },
    { kind: 'p', text: certifiedSentence(search) },
    { kind: 'table', head: [bi('台阶', 'Level'), T.result, bi('持续/峰值', 'sustained/peak'), bi('建立 p95（毫秒）', 'setup p95 (ms)'), 'SER', bi('尝试/失败', 'attempted/failed')], widths: [50, 110, 80, 70, 50, '*'],
      rows: search.steps.map((st) => [fmtNum(st.level), stepCell(m, st), `${fmtNum(st.sustained)} / ${fmtNum(st.peak)}`, fmtMs(st.setupMs.p95), fmtNum(st.ser), `${fmtNum(st.attempted)} / ${fmtNum(st.failed)}`]) },
    ...(chart === null ? [] : [{ kind: 'chart' as const, n: `${n}.1`, spec: chart }]),
  ];
}

function results(m: ReportModel, lay: ResultsLayout, meta: ReportMeta): Section {
  const r = m.results;
  const s = r.summary;
  const g = r.generator;
  const figures: Cell[][] = [
    [bi('呼叫：尝试/应答/失败/阻塞', 'Calls: attempted/answered/failed/blocked'), `${fmtNum(s.calls.attempted)} / ${fmtNum(s.calls.answered)} / ${fmtNum(s.calls.failed)} / ${fmtNum(s.calls.blocked)}`],
    [bi('呼叫：正常结束/中止/未完成', 'Calls: completed/aborted/unfinished'), `${fmtNum(s.calls.completed)} / ${fmtNum(s.calls.aborted)} / ${fmtNum(s.calls.unfinished)}`],
    // null in results.json files written before these counts were recorded (schema 1, migrated): shown as —.
    [bi('呼叫：运行结束时截断/完全无响应/无临时响应即应答', 'Calls: cut at end/no response at all/answered without provisional'),
      `${fmtNum(s.calls.cutAtEnd)} / ${fmtNum(s.calls.noResponse)} / ${fmtNum(s.calls.noProvisional)}`],
    [bi('并发呼叫数（路）：峰值/稳定保持/目标', 'Concurrent calls: peak/sustained/target'), `${fmtNum(s.concurrency.peak)} / ${fmtNum(s.concurrency.sustained)} / ${fmtNum(s.concurrency.target)}`],
    [bi('稳定保持时段', 'Hold window'), s.concurrency.sustainedWindowMs === null ? '—' : bi(
      `第 ${fmtNum(s.concurrency.sustainedWindowMs[0] / 1000)} s 至第 ${fmtNum(s.concurrency.sustainedWindowMs[1] / 1000)} s（共 ${fmtNum((s.concurrency.sustainedWindowMs[1] - s.concurrency.sustainedWindowMs[0]) / 1000)} s）`,
      `${fmtNum(s.concurrency.sustainedWindowMs[0] / 1000)} s to ${fmtNum(s.concurrency.sustainedWindowMs[1] / 1000)} s (${fmtNum((s.concurrency.sustainedWindowMs[1] - s.concurrency.sustainedWindowMs[0]) / 1000)} s)`,
    )],
    [bi('利特尔定律预期并发（保持时段）', 'Little\'s law expected calls (hold window)'), littleText(r)],
    [bi('各阶段呼叫速率（次/秒，尝试/应答）', 'Call rate per stage (calls/s, attempted/answered)'), stageRateText(r)],
    ['SER / SEER / ISA / SCR / ASR', `${fmtNum(s.ratios.ser)} / ${fmtNum(s.ratios.seer)} / ${fmtNum(s.ratios.isa)} / ${fmtNum(s.ratios.scr)} / ${fmtNum(s.ratios.asr)}`],
    [bi('呼叫建立时延（毫秒）', 'Call setup delay (ms)'), dist(s.setupMs)],
    [bi('拨号后时延 PDD（毫秒）', 'Post-dial delay PDD (ms)'), dist(s.pddMs)],
    [bi('失败呼叫拨号后时延（毫秒）', 'PDD of failed calls (ms)'), dist(s.pddFailedMs)],
    [bi('会话释放时延 SDD（BYE→200 OK，毫秒）', 'Session disconnect delay SDD (BYE→200 OK, ms)'), dist(s.sddMs)],
    [bi('重传/解析错误/传输错误', 'Retransmissions/parse/transport errors'), `${fmtNum(s.retransmissions)} / ${fmtNum(s.parseErrors)} / ${fmtNum(s.transportErrors)}`],
    [bi('发生器：发送时刻偏差 p99/最大（毫秒）', 'Generator: schedule slip p99/max (ms)'), `${fmtMs(g.scheduleSlipMsP99)} / ${fmtMs(g.scheduleSlipMsMax)}`],
    [bi('发生器：进程延迟 p99/最大（毫秒）', 'Generator: event-loop lag p99/max (ms)'), `${fmtMs(g.eventLoopLagMsP99)} / ${fmtMs(g.eventLoopLagMsMax)}`],
    [bi('发生器：CPU（%）/堆峰值', 'Generator: CPU (%)/heap max'), `${fmtNum(g.cpuPct)} / ${fmtBytes(g.heapUsedBytesMax)}`],
  ];
  const blocks: Block[] = [
    { kind: 'h2', title: ['7.1 ', bi('指标判定', 'Requirements and verdicts')] },
    r.criteria.length === 0
      ? { kind: 'p', text: bi('无判定准则。', 'No criteria.') }
      : { kind: 'table', head: [T.requirement, T.measured, T.result], widths: ['*', 90, 130], rows: r.criteria.map((x) => [criterionText(x, meta), fmtNum(x.actual), verdictCell(m, x.pass, x.actual)]) },
    { kind: 'h2', title: ['7.2 ', bi('主要测试结果', 'Key results')] },
    { kind: 'table', head: [T.item, T.value], widths: [170, '*'], rows: figures },
  ];
  if (lay.search !== null) blocks.push(...searchBlocks(m, lay.search));
  httpSections(r).forEach((h, i) => blocks.push({ kind: 'h2', title: [`${lay.http[i]} `, h.title] }, ...h.blocks));
  if (lay.media !== null) blocks.push(...mediaBlocks(m, lay.media));
  if (lay.platform !== null) blocks.push(...platformBlocks(m, lay.platform));
  if (lay.stability !== null) blocks.push(...stabilityBlocks(m, lay.stability));
  blocks.push(
    { kind: 'h2', title: [`${lay.licence} `, bi('许可技术要求对照', 'Licence-readiness')] },
    { kind: 'table', head: [T.requirement, T.status, T.evidence], widths: [150, 100, '*'], rows: m.licence.map((l) => [
      l.requirement,
      { text: LICENCE_LABEL[l.state], tone: l.state === 'met' ? 'ok' : l.state === 'not-tested' || l.state === 'not-applicable' ? 'muted' : 'bad' },
      l.evidence,
    ]) },
    { kind: 'p', tone: 'muted', small: true, text: bi('“未测试”表示本次测试未产生该项证据，不代表符合或不符合；“不适用”表示测试对象为内置模拟器，不构成对任何平台的证据。', '"Not tested" means this test produced no evidence for the item: it neither conforms nor fails to; "not applicable" means the object was the embedded simulator, evidence of no platform.') },
    // What the operator says of retention is not evidence: printed as theirs, apart from the measured rows.
    ...(meta.recordingRetention === null ? [] : [{ kind: 'p' as const, text: bi(
      `平台声明的录音保存期限（report.yaml，声明值，未经测量）：${meta.recordingRetention}`,
      `Recording retention the platform declares (report.yaml; declared, not measured): ${meta.recordingRetention}`,
    ) }]),
    ...resultSpecs(r).map((spec, i): Block => ({
      kind: 'chart', n: `${lay.charts}.${i + 1}`, spec,
      ...(i === 0 ? { heading: bi(`${lay.charts} 随时间变化曲线`, `${lay.charts} Charts over time`) } : {}),
    })),
  );
  return { id: 'results', n: '7', title: T.results, blocks };
}

/** Plain statements derived from the numbers; each says which numbers it rests on. */
function analysisLines(m: ReportModel): Bi[] {
  const r = m.results;
  const s = r.summary;
  const g = r.generator;
  const lines: Bi[] = [];
  lines.push(m.invalidReasons.length === 0
    ? bi('测试有效：未中断，负载发生器未超出健康上限。', 'The test is valid: not interrupted, generator within its health limits.')
    : bi(`测试无效：${m.invalidReasons.join('；')}。`, `The test is not valid: ${m.invalidReasons.join('; ')}.`));
  lines.push(bi(
    `负载发生器发送时刻偏差 p99 为 ${fmtMs(g.scheduleSlipMsP99)} ms（上限 ${fmtMs(g.limits.maxScheduleSlipMsP99)} ms），发生器进程延迟 p99 为 ${fmtMs(g.eventLoopLagMsP99)} ms（上限 ${fmtMs(g.limits.maxEventLoopLagMsP99)} ms）。`,
    `Generator schedule slip p99 ${fmtMs(g.scheduleSlipMsP99)} ms (limit ${fmtMs(g.limits.maxScheduleSlipMsP99)} ms), event-loop lag p99 ${fmtMs(g.eventLoopLagMsP99)} ms (limit ${fmtMs(g.limits.maxEventLoopLagMsP99)} ms).`,
  ));
  const little = littleOverHold(r);
  if (s.concurrency.sustained !== null && little !== null) {
    lines.push(bi(
      `稳定保持并发 ${fmtNum(s.concurrency.sustained)} 路（目标 ${fmtNum(s.concurrency.target)}），按利特尔定律（保持时段应答速率 ${fmtNum(little.answersPerS)} 次/秒 × 平均通话时长 ${fmtNum(little.meanHoldS)} s）预期 ${fmtNum(little.expected)} 路。`,
      `Sustained ${fmtNum(s.concurrency.sustained)} concurrent calls (target ${fmtNum(s.concurrency.target)}); Little's law (answers ${fmtNum(little.answersPerS)}/s over the hold window × mean hold ${fmtNum(little.meanHoldS)} s) expects ${fmtNum(little.expected)}.`,
    ));
  }
  lines.push(bi(
    `各阶段呼叫速率（尝试/应答，次/秒）：${stageRateText(r).zh}；阻塞 ${fmtNum(s.calls.blocked)} 次。`,
    `Call rate per stage (attempted/answered, calls/s): ${stageRateText(r).en}; ${fmtNum(s.calls.blocked)} blocked.`,
  ));
  const codes = Object.entries(s.failuresByCode).map(([k, v]) => `${k}×${v}`);
  const causes = Object.entries(s.failuresByCause).map(([k, v]) => `${k}×${v}`);
  lines.push(s.calls.failed === 0
    ? bi('无失败呼叫。', 'No call failed.')
    : bi(`失败呼叫 ${fmtNum(s.calls.failed)} 次：${[...codes, ...causes].join('，')}。`, `${fmtNum(s.calls.failed)} calls failed: ${[...codes, ...causes].join(', ')}.`));
  const md = mediaOf(r);
  if (md !== null) {
    lines.push(bi(
      `语音媒体：应答 ${fmtNum(s.calls.answered)} 通中 ${fmtNum(md.calls.withMedia)} 通有媒体；MOS-CQE p5 ${fmtNum(md.mosCqe.p5)}、p50 ${fmtNum(md.mosCqe.p50)}；全部呼叫丢包率 ${fmtNum(md.lossRatio)}；单向音频 ${fmtNum(md.calls.oneWayAudio)} 通，串音 ${fmtNum(md.calls.crossedMedia)} 通。`,
      `Voice media: ${fmtNum(md.calls.withMedia)} of ${fmtNum(s.calls.answered)} answered calls carried media; MOS-CQE p5 ${fmtNum(md.mosCqe.p5)}, p50 ${fmtNum(md.mosCqe.p50)}; loss ratio over all calls ${fmtNum(md.lossRatio)}; ${fmtNum(md.calls.oneWayAudio)} one-way-audio and ${fmtNum(md.calls.crossedMedia)} crossed-media calls.`,
    ));
  }
  const abortedBy = r.abortedBy;
  if (abortedBy !== null) {
    lines.push(bi(`运行因准则 ${abortedBy.metric} ${abortedBy.criterion} 未满足而提前停止（abortOnFail）。`, `The run was stopped early by criterion ${abortedBy.metric} ${abortedBy.criterion} (abortOnFail).`));
  }
  for (const x of r.criteria.filter((y) => !y.pass)) {
    lines.push(bi(`准则 ${x.metric} ${x.criterion} 未满足：测量值 ${fmtNum(x.actual)}。`, `Criterion ${x.metric} ${x.criterion} not met: measured ${fmtNum(x.actual)}.`));
  }
  return lines;
}

function conclusion(m: ReportModel): Section {
  const v = verdictText(m);
  const banner = simulatorBanner(m);
  const tested = m.licence.filter((l) => l.state !== 'not-tested' && l.state !== 'not-applicable');
  const untested = m.licence.filter((l) => l.state === 'not-tested');
  const search = searchOf(m.results);
  return {
    id: 'conclusion', n: '9', title: T.conclusion, blocks: [
      ...banner,
      { kind: 'p', text: verdictLine(m), tone: v.tone, strong: true },
      ...(search === null ? [] : [{ kind: 'p' as const, text: certifiedSentence(search) }]),
      ...tested.map((l): Block => ({ kind: 'p', text: bi(`许可要求“${l.requirement.zh}”：${LICENCE_LABEL[l.state].zh}（${l.evidence.zh}）。`, `Licence requirement "${l.requirement.en}": ${LICENCE_LABEL[l.state].en} (${l.evidence.en}).`) })),
      ...(m.results.target.embedded ? [{ kind: 'p' as const, text: bi(
        '许可技术要求：全部不适用（对象为 callcert 内置模拟呼叫中心，不构成对任何平台的证据）。',
        "Licence requirements: not applicable, every one (target: callcert's embedded simulator, evidence of no platform).",
      ) }] : []),
      ...(untested.length === 0 ? [] : [{ kind: 'p' as const, text: bi(
        `本次未测试的许可技术要求：${untested.map((l) => l.requirement.zh).join('、')}。`,
        `Licence requirements not tested by this run: ${untested.map((l) => l.requirement.en).join('; ')}.`,
      ) }]),
    ],
  };
}

function appendices(m: ReportModel, lay: ResultsLayout): Section[] {
  const r = m.results;
  const fileRows: Cell[][] = m.files.map((f) => [
    f.name, fmtNum(f.bytes), { text: f.sha256, small: true },
    f.attached ? bi('已附', 'attached') : [bi('未附', 'not attached'), `: ${f.note ?? ''}`],
  ]);
  const defs = Object.entries(r.definitions as Record<string, string>);
  return [
    { id: 'appendix-scenario', n: null, title: T.appendixScenario, pageBreakBefore: true, blocks: [
      m.scenarioYaml === null
        ? { kind: 'p', text: bi('本次运行没有场景文件（由命令行参数构成），见附件 scenario.resolved.json。', 'The run had no scenario file (built from flags); see the attached scenario.resolved.json.') }
        : { kind: 'code', text: m.scenarioYaml },
      { kind: 'p', tone: 'muted', small: true, text: bi('口令与令牌已替换为 ***。', 'Passwords and tokens are replaced by ***.') },
    ] },
    { id: 'appendix-hashes', n: null, title: T.appendixHashes, blocks: [
      { kind: 'table', head: [bi('文件', 'File'), bi('字节', 'Bytes'), 'SHA-256', bi('附件', 'Attachment')], widths: [100, 45, '*', 100], rows: fileRows },
      { kind: 'p', text: bi('校验行（供 callcert verify 读取）：', 'Check lines (read by callcert verify):') },
      { kind: 'lines', lines: m.files.map((f) => `${f.name} SHA-256: ${f.sha256}`) },
      { kind: 'p', small: true, text: bi(`results.json 记录的场景文件 SHA-256：${r.scenario.sha256}`, `Scenario SHA-256 recorded in results.json: ${r.scenario.sha256}`) },
    ] },
    { id: 'appendix-definitions', n: null, title: T.appendixDefinitions, blocks: [
      { kind: 'table', head: [bi('指标', 'Metric'), bi('定义（摘自 results.json）', 'Definition (from results.json)')], widths: [80, '*'], rows: defs.map(([k, v]): Cell[] => [k, v]) },
      { kind: 'p', small: true, text: bi(`逐秒 SER（图 ${lay.charts}）：该秒内收到最终响应的呼叫中 200 应答 /（应答 + 失败 − 3xx）。`, `Per-second SER (charts ${lay.charts}): answers / (answers + failures − 3xx) among calls whose final response arrived in that second.`) },
      ...SUMMARY_DEFINITIONS.map((text): Block => ({ kind: 'p', small: true, text })),
      { kind: 'p', text: END_OF_REPORT },
    ] },
  ];
}

/** The end-of-report mark after the last appendix. */
export const END_OF_REPORT: Bi = bi('（以下空白）—— 报告结束 ——', '(blank below) —— End of report ——');

/** Every section after the cover, in report order. */
export function reportSections(m: ReportModel, meta: ReportMeta): Section[] {
  const lay = resultsLayout(m);
  return [
    notices(meta), summary(m, meta), purpose(m, lay, meta), standards(meta), sut(m, meta),
    environment(m), tools(m), method(m), results(m, lay, meta),
    { id: 'analysis', n: '8', title: T.analysis, blocks: [{ kind: 'list', items: analysisLines(m) }] },
    conclusion(m), ...appendices(m, lay),
  ];
}

