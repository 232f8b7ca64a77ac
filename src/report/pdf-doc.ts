/**
 * The pdfmake document definition of the certification report: one function
 * per section, in the order a Chinese test report is read (cover, notices,
 * summary with signatures, then numbered sections and appendices). Content
 * comes from the ReportModel only; figures are printed as recorded.
 */
import { describeStages } from '../engine/executors/types.js';
import type { Results } from '../results/summary.js';
import { FONT_FAMILY } from './fonts.js';
import { T, bi, tr, pageLabel, type Bi, type ReportLang } from './i18n.js';
import type { ReportMeta } from './meta.js';
import { fmtBytes, fmtDurationMs, fmtNum, type ReportModel } from './model.js';
import { loadProfileChart, resultCharts, type ChartSvg } from './charts.js';
import { searchOf, type LicenceState } from './licence.js';

/** pdfmake content nodes (kept loose: pdfmake 0.3 ships no types of its own). */
export type Node = string | { [k: string]: unknown } | Node[];

const RED = '#c0392b';
const GREEN = '#1e7e34';
const GREY = '#666666';
const CONTENT_WIDTH_PT = 515; // A4 (595 pt) minus 40 pt margins

interface Ctx {
  m: ReportModel;
  meta: ReportMeta;
  lang: ReportLang;
  L: (s: Bi) => string;
}

const notProvided = (c: Ctx, v: string | null | undefined) => (v === null || v === undefined || v === '' ? c.L(T.notProvided) : v);

function h1(c: Ctx, n: string, title: Bi): Node {
  return { text: `${n} ${c.L(title)}`, style: 'h1', tocItem: false };
}
function h2(c: Ctx, title: Bi | string): Node {
  return { text: typeof title === 'string' ? title : c.L(title), style: 'h2' };
}
function para(text: string, extra: Record<string, unknown> = {}): Node {
  return { text, style: 'p', ...extra };
}

function table(header: string[], rows: Node[][], widths: (string | number)[]): Node {
  return {
    style: 'table',
    table: { headerRows: 1, widths, dontBreakRows: true, body: [header.map((h) => ({ text: h, style: 'th' })), ...rows] },
    layout: { hLineColor: '#999', vLineColor: '#999', hLineWidth: () => 0.5, vLineWidth: () => 0.5, fillColor: (row: number) => (row === 0 ? '#eeeeee' : null) },
  };
}

/** The verdict as shown: an invalid or unfinished run never reads PASS. */
function verdictLabel(c: Ctx): { text: string; color: string } {
  switch (c.m.status) {
    case 'passed': return { text: c.L(T.pass), color: GREEN };
    case 'failed': return { text: c.L(T.fail), color: RED };
    case 'running': return { text: c.L(bi('未完成：运行尚未结束，本报告不作为合格依据', 'NOT FINISHED: the run had not ended; this report is not evidence of conformity')), color: RED };
    default: return { text: c.L(bi('无效：运行中断或压力发生器饱和，本报告不作为合格依据', 'INVALID: the run was interrupted or the generator saturated; this report is not evidence of conformity')), color: RED };
  }
}

function invalidNotice(c: Ctx): Node[] {
  if (c.m.status === 'passed' || c.m.status === 'failed') return [];
  return [{
    margin: [0, 8, 0, 8],
    table: { widths: ['*'], body: [[{
      stack: [
        { text: c.L(bi('运行无效', 'Run not valid')), bold: true, color: RED, fontSize: 12 },
        ...c.m.invalidReasons.map((r) => ({ text: `• ${r}`, color: RED, fontSize: 9 })),
      ],
    }]] },
    layout: { hLineColor: RED, vLineColor: RED },
  }];
}

function cover(c: Ctx): Node[] {
  const r = c.m.results;
  const v = verdictLabel(c);
  const sys = c.meta.system === null ? c.L(T.notProvided) : `${c.meta.system.name}${c.meta.system.version ? ` ${c.meta.system.version}` : ''}`;
  const row = (k: Bi, val: string) => [{ text: c.L(k), style: 'coverKey' }, { text: val, style: 'coverVal' }];
  return [
    { text: `${c.L(T.reportNumber)}: ${c.meta.reportNumber}`, alignment: 'right', fontSize: 10, margin: [0, 0, 0, 90] },
    { text: c.meta.title ?? T.title.zh, style: 'coverTitle' },
    ...(c.lang === 'zh' ? [] : [{ text: c.meta.title === null ? T.title.en : '', style: 'coverSubtitle' }]),
    { text: c.L(bi('（SIP 呼叫负载与容量认证）', '(SIP call load and capacity certification)')), alignment: 'center', fontSize: 11, color: GREY, margin: [0, 6, 0, 70] },
    {
      margin: [60, 0, 60, 0],
      table: { widths: [150, '*'], body: [
        row(T.system, sys),
        row(T.client, notProvided(c, c.meta.client)),
        row(T.lab, notProvided(c, c.meta.lab)),
        row(T.runDate, r.startedAt.slice(0, 10)),
        row(T.date, c.meta.date),
      ] },
      layout: 'noBorders',
    },
    { text: `${c.L(T.verdict)}: ${v.text}`, color: v.color, bold: true, fontSize: 13, alignment: 'center', margin: [0, 50, 0, 0] },
    ...invalidNotice(c),
    { text: notProvided(c, c.meta.lab), alignment: 'center', fontSize: 11, margin: [0, 60, 0, 0], pageBreak: 'after' },
  ];
}

function notices(c: Ctx): Node[] {
  const items: Bi[] = [
    bi('本报告的测试结果仅对被测系统的所测版本及本报告所述测试环境有效。', 'The results apply only to the tested version of the system under test and to the environment described in this report.'),
    bi('本报告无编制、审核、批准人签字及测试单位盖章无效。', 'This report is invalid without the signatures of the preparer, reviewer and approver and the seal of the test laboratory.'),
    bi('本报告涂改、增删无效；未经测试单位书面同意，不得部分复制本报告。', 'Altered reports are invalid; the report may not be reproduced in part without the laboratory\'s written consent.'),
    bi('原始数据（results.json 等）作为附件嵌入本 PDF，其 SHA-256 列于附录 B；可用 `callcert verify` 校验附件、页面内容与判定的一致性。', 'The raw data (results.json and others) is attached inside this PDF with its SHA-256 in Appendix B; `callcert verify` checks the attachments, the page content and the verdicts against each other.'),
    bi('报告中的数值即 results.json 中记录的数值，未作改变判定结果的舍入。', 'Figures in this report are the values recorded in results.json, without rounding that could change a verdict.'),
    bi('运行被中断或压力发生器饱和的测试不能得出"通过"结论，并在封面与摘要中注明。', 'A run that was interrupted or whose generator saturated cannot conclude in a pass; the cover and summary say so.'),
  ];
  return [
    { text: c.L(T.notices), style: 'h1' },
    { ol: items.map((i) => para(c.L(i))), margin: [0, 0, 0, 0], pageBreak: 'after' },
  ];
}

function keyFiguresRows(c: Ctx): Node[][] {
  const s = c.m.results.summary;
  return [
    [c.L(bi('呼叫尝试', 'Calls attempted')), fmtNum(s.calls.attempted)],
    [c.L(bi('应答', 'Answered')), fmtNum(s.calls.answered)],
    [c.L(bi('失败', 'Failed')), fmtNum(s.calls.failed)],
    [c.L(bi('持续并发通道', 'Sustained channels')), fmtNum(s.concurrency.sustained)],
    [c.L(bi('峰值并发通道', 'Peak channels')), fmtNum(s.concurrency.peak)],
    ['SER', fmtNum(s.ratios.ser)],
    [c.L(bi('建立时间 p95（毫秒）', 'Setup time p95 (ms)')), fmtNum(s.setupMs.p95)],
    [c.L(bi('测试时长', 'Duration')), fmtDurationMs(c.m.results.durationMs)],
  ];
}

function signatureBlock(c: Ctx): Node {
  const names = (xs: string[]) => (xs.length === 0 ? '' : xs.join('、'));
  const row = (role: Bi, who: string) => [
    { text: c.L(role), bold: true, margin: [0, 10, 0, 10] },
    { text: who, margin: [0, 10, 0, 10] },
    { text: `${c.L(bi('签字', 'Signature'))}:`, color: GREY, margin: [0, 10, 0, 10] },
    { text: `${c.L(T.signDate)}:`, color: GREY, margin: [0, 10, 0, 10] },
  ];
  return {
    columns: [
      { width: '*', table: { widths: [70, '*', 110, 80], body: [
        row(T.prepared, names(c.meta.testers)),
        row(T.reviewed, names(c.meta.reviewers)),
        row(T.approved, c.meta.approver ?? ''),
      ] } },
      { width: 120, margin: [10, 0, 0, 0], table: { widths: ['*'], heights: [118], body: [[{ text: c.L(T.seal), alignment: 'center', color: GREY, margin: [0, 50, 0, 0] }]] } },
    ],
    margin: [0, 16, 0, 0],
  };
}

function summaryPage(c: Ctx): Node[] {
  const v = verdictLabel(c);
  const r = c.m.results;
  const failing = r.criteria.filter((x) => !x.pass).map((x) => `${x.metric} ${x.criterion}`);
  return [
    { text: c.L(T.summary), style: 'h1' },
    { text: `${c.L(T.verdict)}: ${v.text}`, color: v.color, bold: true, fontSize: 13, margin: [0, 4, 0, 6] },
    ...invalidNotice(c),
    para(c.L(bi(
      `场景“${r.scenario.name}”（${r.scenario.model === 'closed' ? '闭环模型：保持并发通道' : '开环模型：呼叫到达速率'}）于 ${r.startedAt} 开始，运行 ${fmtDurationMs(r.durationMs)}，目标 ${c.m.targetUri}（${r.target.transport}）。`,
      `Scenario "${r.scenario.name}" (${r.scenario.model === 'closed' ? 'closed model: channels held' : 'open model: call arrival rate'}) started ${r.startedAt}, ran ${fmtDurationMs(r.durationMs)} against ${c.m.targetUri} (${r.target.transport}).`,
    ))),
    ...(failing.length > 0 ? [para(c.L(bi(`未满足的判定准则：${failing.join('；')}`, `Criteria not met: ${failing.join('; ')}`)), { color: RED })] : []),
    table([c.L(T.item), c.L(T.value)], keyFiguresRows(c), ['*', 160]),
    signatureBlock(c),
    { text: '', pageBreak: 'after' },
  ];
}

function purpose(c: Ctx): Node[] {
  const r = c.m.results;
  const unit = r.scenario.model === 'closed' ? 'channels' : 'cps';
  return [
    h1(c, '1', T.purpose),
    h2(c, bi('1.1 测试目的', '1.1 Purpose')),
    para(c.L(bi('在规定负载下测量被测呼叫中心平台的 SIP 呼叫处理能力（并发通道、呼叫速率、建立时间、建立成功率），并按判定准则给出结论。', 'Measure the SIP call-handling capacity of the platform under test (concurrent channels, call rate, setup time, establishment ratio) under a defined load, and conclude against the pass criteria.'))),
    h2(c, bi('1.2 测试范围', '1.2 Scope')),
    para(c.L(bi(`SIP 信令负载：${describeStages(r.scenario.stages, unit)}；目标 ${c.m.targetUri}，传输 ${r.target.transport}。媒体（RTP）质量、录音、数据存储与外呼规则不在本次测量范围内（见 7.3）。`, `SIP signalling load: ${describeStages(r.scenario.stages, unit)}; target ${c.m.targetUri} over ${r.target.transport}. Media (RTP) quality, recording, data storage and outbound-calling rules were not measured by this run (see 7.3).`))),
    h2(c, bi('1.3 判定准则', '1.3 Pass criteria')),
    r.criteria.length === 0
      ? para(c.L(bi('场景未规定判定准则。', 'The scenario sets no pass criteria.')))
      : { ul: r.criteria.map((x) => para(`${x.metric} ${x.criterion}`)) },
    para(c.L(bi('运行有效的前提：运行未被中断，压力发生器的调度滞后 p99 与事件循环延迟 p99 不超过第 4 节所列上限。', 'A run is valid evidence only if it was not interrupted and the generator\'s schedule slip p99 and event-loop lag p99 stayed within the limits in section 4.')), { color: GREY }),
  ];
}

function standards(c: Ctx): Node[] {
  return [h1(c, '2', T.standards), { ol: c.meta.standards.map((s) => para(s)) }];
}

function sut(c: Ctx): Node[] {
  const r = c.m.results;
  const rows: Node[][] = [
    [c.L(T.system), c.meta.system?.name ?? c.L(T.notProvided)],
    [c.L(T.version), notProvided(c, c.meta.system?.version)],
    [c.L(bi('SIP 目标', 'SIP target')), c.m.targetUri],
    [c.L(bi('传输协议', 'Transport')), r.target.transport],
  ];
  const out: Node[] = [h1(c, '3', T.sut), table([c.L(T.item), c.L(T.value)], rows, [150, '*'])];
  if (r.target.embedded) {
    out.push(para(c.L(bi('注意：本次被测对象为 callcert 内置的模拟呼叫中心（演示或自检），不是真实平台。', 'Note: the target was callcert\'s embedded simulated call centre (a demonstration or self-check), not a real platform.')), { color: RED }));
  }
  out.push(h2(c, bi('网络拓扑', 'Topology')));
  if (c.meta.topologyFile !== null) out.push({ image: 'topology', fit: [CONTENT_WIDTH_PT, 300], alignment: 'center' });
  else out.push(para(`${c.L(bi('拓扑图', 'Topology diagram'))}: ${c.L(T.notProvided)}`, { color: GREY }));
  return out;
}

function environment(c: Ctx): Node[] {
  const g = c.m.results.generator;
  const rows: Node[][] = [
    [c.L(bi('CPU', 'CPU')), `${g.host.cpuModel} × ${g.host.cpus}`],
    [c.L(bi('内存', 'Memory')), fmtBytes(g.host.totalMemBytes)],
    [c.L(bi('操作系统', 'OS')), g.host.platform],
    ['Node.js', g.host.node],
    [c.L(bi('工作线程', 'Worker threads')), fmtNum(g.workers)],
    [c.L(bi('调度滞后 p99 上限（毫秒）', 'Schedule slip p99 limit (ms)')), fmtNum(g.limits.maxScheduleSlipMsP99)],
    [c.L(bi('事件循环延迟 p99 上限（毫秒）', 'Event-loop lag p99 limit (ms)')), fmtNum(g.limits.maxEventLoopLagMsP99)],
  ];
  return [h1(c, '4', T.environment), para(c.L(bi('压力发生器主机（运行时记录于 results.json）：', 'Load generator host (as recorded in results.json by the run):'))), table([c.L(T.item), c.L(T.value)], rows, [180, '*'])];
}

function tools(c: Ctx): Node[] {
  const r = c.m.results;
  const t = c.m.tool;
  const rows: Node[][] = [
    [`callcert (${c.L(bi('运行', 'run'))})`, r.tool.version, c.L(bi('产生 results.json 的版本', 'version that produced results.json'))],
    [`callcert (${c.L(bi('报告', 'report'))})`, t.version, { text: `SHA-256 ${t.sha256} (${t.files} files)`, fontSize: 6.5 }],
    ['Node.js', r.generator.host.node, c.L(bi('运行时', 'runtime'))],
  ];
  const out: Node[] = [h1(c, '5', T.tools), table([c.L(bi('工具', 'Tool')), c.L(T.version), c.L(bi('说明', 'Notes'))], rows, [110, 60, '*'])];
  out.push(para(c.L(bi('软件包 SHA-256：对 bin/、dist/ 与 package.json 各文件按路径排序后的 sha256sum 清单再取 SHA-256。', 'Package SHA-256: SHA-256 of the sha256sum listing of every file under bin/, dist/ and package.json, sorted by path.')), { color: GREY, fontSize: 8 }));
  if (r.tool.version !== t.version) out.push(para(c.L(bi(`注意：运行版本 ${r.tool.version} 与报告生成版本 ${t.version} 不同。`, `Note: run version ${r.tool.version} differs from the report generator's ${t.version}.`)), { color: RED }));
  return out;
}

function chartNode(c: Ctx, ch: ChartSvg, n: string): Node {
  return {
    unbreakable: true,
    stack: [
      { text: `${n} ${c.L(ch.title)}`, style: 'h3' },
      { svg: ch.svg, width: CONTENT_WIDTH_PT },
      { text: c.L(ch.caption), style: 'caption' },
    ],
    margin: [0, 4, 0, 8],
  };
}

function method(c: Ctx): Node[] {
  const r = c.m.results;
  const unit = r.scenario.model === 'closed' ? 'channels' : 'cps';
  const rows: Node[][] = [
    [c.L(bi('场景', 'Scenario')), r.scenario.name],
    [c.L(bi('场景文件', 'Scenario file')), r.scenario.file ?? c.L(bi('（命令行参数）', '(command-line flags)'))],
    [c.L(bi('负载模型', 'Load model')), r.scenario.model === 'closed' ? c.L(bi('闭环：保持 N 个并发通道，通话结束即补呼', 'closed: hold N channels, replacing each call as it ends')) : c.L(bi('开环：按计划速率发起呼叫', 'open: calls started at a scheduled rate'))],
    [c.L(bi('阶段', 'Stages')), describeStages(r.scenario.stages, unit)],
    [c.L(bi('计时方法', 'Timing')), c.L(bi('所有延迟从计划发送时刻计时（无协调遗漏）', 'every delay is timed from the intended send time (no coordinated omission)'))],
  ];
  return [h1(c, '6', T.method), table([c.L(T.item), c.L(T.value)], rows, [110, '*']), chartNode(c, loadProfileChart(r, c.lang), '6.1')];
}

function verdictCell(c: Ctx, pass: boolean, actual: number | null): Node {
  if (actual === null) return { text: `${c.L(T.notMeasured)} — ${c.L(T.fail)}`, color: RED };
  if (!pass) return { text: c.L(T.fail), color: RED };
  if (c.m.status !== 'passed' && c.m.status !== 'failed') return { text: c.L(T.metButInvalid), color: RED };
  return { text: c.L(T.pass), color: GREEN };
}

const LICENCE_LABEL: Record<LicenceState, Bi> = {
  met: bi('已测量：满足', 'measured: met'),
  'not-met': bi('已测量：不满足', 'measured: not met'),
  'met-run-invalid': bi('已测量：达到数值，但运行无效', 'measured: value reached, run invalid'),
  'not-tested': T.notTested,
};

function dist(s: Results['summary']['setupMs']): string {
  return `p50 ${fmtNum(s.p50)} · p90 ${fmtNum(s.p90)} · p95 ${fmtNum(s.p95)} · p99 ${fmtNum(s.p99)} · max ${fmtNum(s.max)} · mean ${fmtNum(s.mean)} (n=${fmtNum(s.count)})`;
}

function resultsSection(c: Ctx): Node[] {
  const r = c.m.results;
  const s = r.summary;
  const g = r.generator;
  const reqRows: Node[][] = r.criteria.map((x) => [`${x.metric} ${x.criterion}`, fmtNum(x.actual), verdictCell(c, x.pass, x.actual)]);
  const figures: Node[][] = [
    [c.L(bi('呼叫：尝试/应答/失败/阻塞', 'Calls: attempted/answered/failed/blocked')), `${fmtNum(s.calls.attempted)} / ${fmtNum(s.calls.answered)} / ${fmtNum(s.calls.failed)} / ${fmtNum(s.calls.blocked)}`],
    [c.L(bi('呼叫：正常结束/中止/未完成', 'Calls: completed/aborted/unfinished')), `${fmtNum(s.calls.completed)} / ${fmtNum(s.calls.aborted)} / ${fmtNum(s.calls.unfinished)}`],
    [c.L(bi('并发：峰值/持续/目标', 'Channels: peak/sustained/target')), `${fmtNum(s.concurrency.peak)} / ${fmtNum(s.concurrency.sustained)} / ${fmtNum(s.concurrency.target)}`],
    [c.L(bi('持续窗口（毫秒）', 'Sustained window (ms)')), s.concurrency.sustainedWindowMs === null ? '—' : `${fmtNum(s.concurrency.sustainedWindowMs[0])} – ${fmtNum(s.concurrency.sustainedWindowMs[1])}`],
    [c.L(bi('利特尔定律预期并发', 'Little\'s law expected channels')), fmtNum(s.concurrency.littlesLawExpected)],
    [c.L(bi('呼叫速率：提供/实际/应答（次/秒）', 'CPS: offered/achieved/answered')), `${fmtNum(s.cps.offered)} / ${fmtNum(s.cps.achieved)} / ${fmtNum(s.cps.answered)}`],
    ['SER / SEER / ISA / SCR / ASR', `${fmtNum(s.ratios.ser)} / ${fmtNum(s.ratios.seer)} / ${fmtNum(s.ratios.isa)} / ${fmtNum(s.ratios.scr)} / ${fmtNum(s.ratios.asr)}`],
    [c.L(bi('建立时间（毫秒）', 'Setup time (ms)')), dist(s.setupMs)],
    [c.L(bi('PDD（毫秒）', 'PDD (ms)')), dist(s.pddMs)],
    [c.L(bi('失败呼叫 PDD（毫秒）', 'PDD of failed calls (ms)')), dist(s.pddFailedMs)],
    [c.L(bi('拆线时延 SDD（毫秒）', 'SDD (ms)')), dist(s.sddMs)],
    [c.L(bi('重传/解析错误/传输错误', 'Retransmissions/parse/transport errors')), `${fmtNum(s.retransmissions)} / ${fmtNum(s.parseErrors)} / ${fmtNum(s.transportErrors)}`],
    [c.L(bi('发生器：调度滞后 p99/最大（毫秒）', 'Generator: schedule slip p99/max (ms)')), `${fmtNum(g.scheduleSlipMsP99)} / ${fmtNum(g.scheduleSlipMsMax)}`],
    [c.L(bi('发生器：事件循环延迟 p99/最大（毫秒）', 'Generator: event-loop lag p99/max (ms)')), `${fmtNum(g.eventLoopLagMsP99)} / ${fmtNum(g.eventLoopLagMsMax)}`],
    [c.L(bi('发生器：CPU（%）/堆峰值', 'Generator: CPU (%)/heap max')), `${fmtNum(g.cpuPct)} / ${fmtBytes(g.heapUsedBytesMax)}`],
  ];
  const out: Node[] = [
    h1(c, '7', T.results),
    h2(c, bi('7.1 指标判定', '7.1 Requirements and verdicts')),
    reqRows.length === 0 ? para(c.L(bi('无判定准则。', 'No criteria.'))) : table([c.L(T.requirement), c.L(T.measured), c.L(T.result)], reqRows, ['*', 90, 130]),
    h2(c, bi('7.2 主要测量值', '7.2 Key measurements')),
    table([c.L(T.item), c.L(T.value)], figures, [170, '*']),
  ];
  const search = searchOf(r);
  if (search !== null) {
    out.push(
      h2(c, bi('容量搜索', 'Capacity search')),
      para(c.L(bi(
        `认证容量：${fmtNum(search.certifiedCapacity)}${search.failingCriterion === null ? '' : `；台阶 ${fmtNum(search.failedStep)} 未满足 ${search.failingCriterion.metric} ${search.failingCriterion.criterion}（测量值 ${fmtNum(search.failingCriterion.actual)}）`}`,
        `Certified capacity: ${fmtNum(search.certifiedCapacity)}${search.failingCriterion === null ? '' : `; step ${fmtNum(search.failedStep)} failed ${search.failingCriterion.metric} ${search.failingCriterion.criterion} (measured ${fmtNum(search.failingCriterion.actual)})`}`,
      ))),
      table([c.L(bi('台阶', 'Level')), c.L(T.result), c.L(bi('持续/峰值', 'sustained/peak')), c.L(bi('建立 p95（毫秒）', 'setup p95 (ms)')), 'SER', c.L(bi('尝试/失败', 'attempted/failed'))],
        search.steps.map((st) => [fmtNum(st.level), verdictCell(c, st.pass, st.sustained), `${fmtNum(st.sustained)} / ${fmtNum(st.peak)}`, fmtNum(st.setupMs.p95), fmtNum(st.ser), `${fmtNum(st.attempted)} / ${fmtNum(st.failed)}`]),
        [50, 110, 80, 70, 50, '*']),
    );
  }
  const http = Object.entries(s.http) as Array<[string, { requests: number; completed: number; rps: number; latencyMs: Results['summary']['setupMs']; errors: { total: number } }]>;
  if (http.length > 0) {
    out.push(table(['HTTP', c.L(bi('请求/完成', 'requests/completed')), 'rps', c.L(bi('延迟（毫秒）', 'latency (ms)')), c.L(bi('错误', 'errors'))],
      http.map(([name, h]) => [name, `${fmtNum(h.requests)} / ${fmtNum(h.completed)}`, fmtNum(h.rps), dist(h.latencyMs), fmtNum(h.errors.total)]), [60, 60, 35, '*', 35]));
  }
  out.push(...flowsAndOutbound(c));
  out.push(
    h2(c, bi('7.3 许可技术要求对照', '7.3 Licence-readiness')),
    table([c.L(T.requirement), c.L(T.status), c.L(T.evidence)], c.m.licence.map((l) => [
      c.L(l.requirement),
      { text: c.L(LICENCE_LABEL[l.state]), color: l.state === 'met' ? GREEN : l.state === 'not-tested' ? GREY : RED },
      c.L(l.evidence),
    ]), [150, 100, '*']),
    para(c.L(bi('“未测试”表示本次运行未产生该项证据，不代表满足或不满足。', '"Not tested" means this run produced no evidence for the item: neither met nor not met.')), { color: GREY, fontSize: 8 }),
    // The heading travels with the first chart (an unbreakable stack), so it is never left alone at a page end.
    ...resultCharts(r, c.lang).map((ch, i) => {
      const node = chartNode(c, ch, `7.4.${i + 1}`) as { stack: Node[] };
      if (i === 0) node.stack.unshift(h2(c, bi('7.4 时序图', '7.4 Charts over time')));
      return node;
    }),
  );
  return out;
}

type Dist = Results['summary']['setupMs'];
interface FlowFigures { started: number; completed: number; failed: number; blocked: number; flowMs: Dist | null }
interface OutboundFigures { calls: { offered: number; answered: number; completed: number; failed: number }; concurrency: { peak: number; sustained: number | null }; dialLatencyMs: Dist }

/** HTTP flows and platform-originated (outbound) calls, when the scenario had them (summary.httpFlows, summary.outbound). */
function flowsAndOutbound(c: Ctx): Node[] {
  const sum = c.m.results.summary as { httpFlows?: Record<string, FlowFigures>; outbound?: OutboundFigures | null };
  const out: Node[] = [];
  const flows = Object.entries(sum.httpFlows ?? {});
  if (flows.length > 0) {
    out.push(table([c.L(bi('HTTP 流程', 'HTTP flow')), c.L(bi('开始/完成/失败/阻塞', 'started/completed/failed/blocked')), c.L(bi('流程时长（毫秒）', 'flow time (ms)'))],
      flows.map(([name, f]) => [name, `${fmtNum(f.started)} / ${fmtNum(f.completed)} / ${fmtNum(f.failed)} / ${fmtNum(f.blocked)}`, f.flowMs === null ? '—' : dist(f.flowMs)]), [70, 110, '*']));
  }
  const ob = sum.outbound ?? null;
  if (ob !== null) {
    out.push(table([c.L(bi('外呼（平台呼叫 callcert 被叫端）', 'Outbound (platform calls callcert\'s UAS)')), c.L(T.value)], [
      [c.L(bi('呼叫：提供/应答/完成/失败', 'Calls: offered/answered/completed/failed')), `${fmtNum(ob.calls.offered)} / ${fmtNum(ob.calls.answered)} / ${fmtNum(ob.calls.completed)} / ${fmtNum(ob.calls.failed)}`],
      [c.L(bi('并发：峰值/持续', 'Channels: peak/sustained')), `${fmtNum(ob.concurrency.peak)} / ${fmtNum(ob.concurrency.sustained)}`],
      [c.L(bi('拨号时延（毫秒）', 'Dial latency (ms)')), dist(ob.dialLatencyMs)],
    ], [170, '*']));
  }
  return out;
}

/** Plain statements derived from the numbers; each says which numbers it rests on. */
function analysisLines(c: Ctx): string[] {
  const r = c.m.results;
  const s = r.summary;
  const g = r.generator;
  const lines: string[] = [];
  lines.push(c.m.invalidReasons.length === 0
    ? c.L(bi('运行有效：未中断，压力发生器未超出健康上限。', 'The run is valid: not interrupted, generator within its health limits.'))
    : c.L(bi(`运行无效：${c.m.invalidReasons.join('；')}。`, `The run is not valid: ${c.m.invalidReasons.join('; ')}.`)));
  lines.push(c.L(bi(
    `压力发生器调度滞后 p99 为 ${fmtNum(g.scheduleSlipMsP99)} ms（上限 ${fmtNum(g.limits.maxScheduleSlipMsP99)} ms），事件循环延迟 p99 为 ${fmtNum(g.eventLoopLagMsP99)} ms（上限 ${fmtNum(g.limits.maxEventLoopLagMsP99)} ms）。`,
    `Generator schedule slip p99 ${fmtNum(g.scheduleSlipMsP99)} ms (limit ${fmtNum(g.limits.maxScheduleSlipMsP99)} ms), event-loop lag p99 ${fmtNum(g.eventLoopLagMsP99)} ms (limit ${fmtNum(g.limits.maxEventLoopLagMsP99)} ms).`,
  )));
  if (s.concurrency.sustained !== null) {
    lines.push(c.L(bi(
      `持续并发 ${fmtNum(s.concurrency.sustained)}（目标 ${fmtNum(s.concurrency.target)}），按利特尔定律（应答速率 × 平均保持时长）预期 ${fmtNum(s.concurrency.littlesLawExpected)}。`,
      `Sustained channels ${fmtNum(s.concurrency.sustained)} (target ${fmtNum(s.concurrency.target)}); Little's law (answer rate × mean hold) expects ${fmtNum(s.concurrency.littlesLawExpected)}.`,
    )));
  }
  lines.push(c.L(bi(
    `提供呼叫速率 ${fmtNum(s.cps.offered)} 次/秒，实际 ${fmtNum(s.cps.achieved)} 次/秒；阻塞 ${fmtNum(s.calls.blocked)} 次。`,
    `Offered ${fmtNum(s.cps.offered)} calls/s, achieved ${fmtNum(s.cps.achieved)} calls/s; ${fmtNum(s.calls.blocked)} blocked.`,
  )));
  const codes = Object.entries(s.failuresByCode).map(([k, v]) => `${k}×${v}`);
  const causes = Object.entries(s.failuresByCause).map(([k, v]) => `${k}×${v}`);
  lines.push(s.calls.failed === 0
    ? c.L(bi('无失败呼叫。', 'No call failed.'))
    : c.L(bi(`失败呼叫 ${fmtNum(s.calls.failed)} 次：${[...codes, ...causes].join('，')}。`, `${fmtNum(s.calls.failed)} calls failed: ${[...codes, ...causes].join(', ')}.`)));
  const abortedBy = (r as { abortedBy?: { criterion: string; metric: string } | null }).abortedBy ?? null;
  if (abortedBy !== null) {
    lines.push(c.L(bi(`运行因准则 ${abortedBy.metric} ${abortedBy.criterion} 未满足而提前停止（abortOnFail）。`, `The run was stopped early by criterion ${abortedBy.metric} ${abortedBy.criterion} (abortOnFail).`)));
  }
  for (const x of r.criteria.filter((y) => !y.pass)) {
    lines.push(c.L(bi(`准则 ${x.metric} ${x.criterion} 未满足：测量值 ${fmtNum(x.actual)}。`, `Criterion ${x.metric} ${x.criterion} not met: measured ${fmtNum(x.actual)}.`)));
  }
  return lines;
}

function analysis(c: Ctx): Node[] {
  return [h1(c, '8', T.analysis), { ul: analysisLines(c).map((l) => para(l)) }];
}

function conclusion(c: Ctx): Node[] {
  const v = verdictLabel(c);
  const tested = c.m.licence.filter((l) => l.state !== 'not-tested');
  const untested = c.m.licence.filter((l) => l.state === 'not-tested');
  return [
    h1(c, '9', T.conclusion),
    { text: `${c.L(T.verdict)}: ${v.text}`, color: v.color, bold: true, margin: [0, 0, 0, 4] },
    ...tested.map((l) => para(c.L(bi(`许可要求“${l.requirement.zh}”：${LICENCE_LABEL[l.state].zh}（${l.evidence.zh}）。`, `Licence requirement "${l.requirement.en}": ${LICENCE_LABEL[l.state].en} (${l.evidence.en}).`)))),
    ...(untested.length === 0 ? [] : [para(c.L(bi(
      `本次未测试的许可技术要求：${untested.map((l) => l.requirement.zh).join('、')}。`,
      `Licence requirements not tested by this run: ${untested.map((l) => l.requirement.en).join('; ')}.`,
    )))]),
  ];
}

function appendices(c: Ctx): Node[] {
  const r = c.m.results;
  const fileRows: Node[][] = c.m.files.map((f) => [
    f.name, fmtNum(f.bytes), { text: f.sha256, fontSize: 6.5 },
    f.attached ? c.L(bi('已附', 'attached')) : `${c.L(bi('未附', 'not attached'))}: ${f.note ?? ''}`,
  ]);
  const defs = Object.entries(r.definitions as Record<string, string>);
  return [
    { text: c.L(T.appendixScenario), style: 'h1', pageBreak: 'before' },
    c.m.scenarioYaml === null
      ? para(c.L(bi('本次运行没有场景文件（由命令行参数构成），见附件 scenario.resolved.json。', 'The run had no scenario file (built from flags); see the attached scenario.resolved.json.')))
      : { text: c.m.scenarioYaml, style: 'code', preserveLeadingSpaces: true },
    para(c.L(bi('口令与令牌已替换为 ***。', 'Passwords and tokens are replaced by ***.')), { color: GREY, fontSize: 8 }),
    { text: c.L(T.appendixHashes), style: 'h1' },
    table([c.L(bi('文件', 'File')), c.L(bi('字节', 'Bytes')), 'SHA-256', c.L(bi('附件', 'Attachment'))], fileRows, [100, 45, '*', 100]),
    para(c.L(bi('校验行（供 callcert verify 读取）：', 'Check lines (read by callcert verify):')), { margin: [0, 6, 0, 2] }),
    ...c.m.files.map((f) => ({ text: `${f.name} SHA-256: ${f.sha256}`, fontSize: 7 })),
    para(c.L(bi(`results.json 记录的场景文件 SHA-256：${r.scenario.sha256}`, `Scenario SHA-256 recorded in results.json: ${r.scenario.sha256}`)), { fontSize: 7, margin: [0, 4, 0, 0] }),
    { text: c.L(T.appendixDefinitions), style: 'h1' },
    table([c.L(bi('指标', 'Metric')), c.L(bi('定义（摘自 results.json）', 'Definition (from results.json)'))], defs.map(([k, v]) => [k, v]), [80, '*']),
    para(c.L(bi('逐秒 SER（图 7.4）：该秒内收到最终响应的呼叫中 200 应答 /（应答 + 失败 − 3xx）。', 'Per-second SER (charts 7.4): answers / (answers + failures − 3xx) among calls whose final response arrived in that second.')), { fontSize: 8 }),
  ];
}

export function buildDocDefinition(m: ReportModel, meta: ReportMeta, lang: ReportLang): Record<string, unknown> {
  const c: Ctx = { m, meta, lang, L: (s) => tr(lang, s) };
  return {
    pageSize: 'A4',
    pageMargins: [40, 50, 40, 50],
    defaultStyle: { font: FONT_FAMILY, fontSize: 9.5, lineHeight: 1.2 },
    info: { title: `${tr(lang, T.title)} ${meta.reportNumber}`, author: meta.lab ?? 'callcert', subject: m.results.scenario.name, creator: `callcert ${m.tool.version}`, producer: 'callcert (pdfmake)' },
    header: (page: number) => (page === 1 ? null : {
      columns: [
        { text: `${c.L(T.reportNumber)}: ${meta.reportNumber}`, fontSize: 7.5, color: GREY },
        { text: c.L(T.title), fontSize: 7.5, color: GREY, alignment: 'right' },
      ],
      margin: [40, 22, 40, 0],
    }),
    footer: (page: number, pages: number) => ({
      columns: [
        { text: `${c.L(T.reportNumber)}: ${meta.reportNumber}`, fontSize: 7.5 },
        { text: pageLabel(lang, page, pages), fontSize: 7.5, alignment: 'right' },
      ],
      margin: [40, 16, 40, 0],
    }),
    styles: {
      coverTitle: { fontSize: 24, bold: true, alignment: 'center' },
      coverSubtitle: { fontSize: 14, alignment: 'center', margin: [0, 6, 0, 0] },
      coverKey: { fontSize: 11, bold: true, margin: [0, 4, 0, 4] },
      coverVal: { fontSize: 11, margin: [0, 4, 0, 4] },
      h1: { fontSize: 14, bold: true, margin: [0, 12, 0, 6] },
      h2: { fontSize: 11, bold: true, margin: [0, 8, 0, 4] },
      h3: { fontSize: 10, bold: true, margin: [0, 4, 0, 2] },
      p: { margin: [0, 0, 0, 4] },
      th: { bold: true, fontSize: 8.5 },
      table: { fontSize: 8.5, margin: [0, 2, 0, 6] },
      caption: { fontSize: 7.5, color: GREY, italics: false },
      code: { fontSize: 7.5, lineHeight: 1.1, margin: [0, 0, 0, 4] },
    },
    content: [
      ...cover(c), ...notices(c), ...summaryPage(c), ...purpose(c), ...standards(c), ...sut(c), ...environment(c),
      ...tools(c), ...method(c), ...resultsSection(c), ...analysis(c), ...conclusion(c), ...appendices(c),
    ],
  };
}
