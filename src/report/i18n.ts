/**
 * Report language. The certification report is filed in China, so the default
 * is bilingual: every label is "中文 / English" side by side; `zh` and `en`
 * keep one side only. Numbers and identifiers are never translated.
 */
export type ReportLang = 'bilingual' | 'zh' | 'en';
export const REPORT_LANGS: readonly ReportLang[] = ['bilingual', 'zh', 'en'];

/** A label in both languages. */
export interface Bi {
  zh: string;
  en: string;
}

export const bi = (zh: string, en: string): Bi => ({ zh, en });

/** Renders one label for the chosen language. */
export function tr(lang: ReportLang, s: Bi): string {
  if (lang === 'zh') return s.zh;
  if (lang === 'en') return s.en;
  return s.zh === s.en ? s.zh : `${s.zh} / ${s.en}`;
}

/** Section titles: the Chinese ones are what a reviewer (and the e2e test) looks for. */
export const T = {
  reportNumber: bi('报告编号', 'Report No.'),
  system: bi('被测系统', 'System under test'),
  version: bi('版本', 'Version'),
  client: bi('委托单位', 'Client'),
  lab: bi('测试单位', 'Test laboratory'),
  date: bi('报告日期', 'Report date'),
  runDate: bi('测试日期', 'Test date'),
  notices: bi('注意事项', 'Notices'),
  summary: bi('报告摘要', 'Summary'),
  verdict: bi('测试结论', 'Verdict'),
  prepared: bi('编制', 'Prepared by'),
  reviewed: bi('审核', 'Reviewed by'),
  approved: bi('批准', 'Approved by'),
  seal: bi('（盖章）', '(Seal)'),
  signDate: bi('日期', 'Date'),
  purpose: bi('测试目的、范围与判定准则', 'Purpose, scope and pass criteria'),
  standards: bi('测试依据', 'Test basis'),
  sut: bi('被测系统与拓扑', 'System under test and topology'),
  environment: bi('测试环境', 'Test environment'),
  tools: bi('测试工具', 'Test tools'),
  method: bi('测试方法与场景', 'Method and scenario'),
  results: bi('测试结果', 'Results'),
  requirements: bi('指标判定', 'Requirements and verdicts'),
  keyFigures: bi('主要测试结果', 'Key results'),
  licence: bi('许可技术要求对照', 'Licence-readiness'),
  charts: bi('随时间变化曲线', 'Charts over time'),
  analysis: bi('结果分析', 'Analysis'),
  conclusion: bi('结论', 'Conclusion'),
  appendixScenario: bi('附录A 测试场景', 'Appendix A: Scenario'),
  appendixHashes: bi('附录B 原始数据与校验值', 'Appendix B: Raw data and SHA-256'),
  appendixDefinitions: bi('附录C 指标定义', 'Appendix C: Metric definitions'),
  requirement: bi('要求', 'Requirement'),
  measured: bi('测量值', 'Measured'),
  result: bi('判定', 'Verdict'),
  item: bi('项目', 'Item'),
  value: bi('数值', 'Value'),
  evidence: bi('证据', 'Evidence'),
  status: bi('状态', 'Status'),
  notProvided: bi('未填写', 'not provided'),
  notTested: bi('未测试', 'not tested'),
  notMeasured: bi('未测得', 'not measured'),
  pass: bi('通过', 'PASS'),
  fail: bi('不通过', 'FAIL'),
  // Used instead of PASS for a criterion whose threshold was met in a run that is not valid evidence.
  metButInvalid: bi('达到阈值（运行无效）', 'threshold met (run invalid)'),
  invalid: bi('无效', 'INVALID'),
  notJudged: bi('未判定：场景未规定判定准则，本报告不作为合格依据', 'NOT JUDGED: the scenario sets no pass criteria; this report is not evidence of conformity'),
  running: bi('未完成', 'NOT FINISHED'),
  page: bi('页', 'page'),
  stability: bi('稳定性测试', 'Stability'),
} as const;

/** The media section's labels (media-sections.ts, media-charts.ts); figures and names stay untranslated. */
export const TM = {
  title: bi('语音媒体', 'Voice media'),
  callsWithMedia: bi('有媒体的呼叫 / 应答呼叫', 'Calls with media / answered'),
  oneWay: bi('单向音频呼叫', 'One-way-audio calls'),
  crossed: bi('串音呼叫（收到其他呼叫的标记）', "Crossed-media calls (another call's marker heard)"),
  packets: bi('RTP 包：发送/接收/期望/丢失/跳过', 'RTP packets: sent/received/expected/lost/skipped'),
  lossAll: bi('丢包率（全部呼叫合计）', 'Loss ratio (all calls together)'),
  perCall: bi('每呼叫分布', 'Per-call distribution'),
  figure: bi('指标', 'Figure'),
  mos: bi('MOS-CQE', 'MOS-CQE'),
  lossPerCall: bi('丢包率（每呼叫）', 'Loss ratio (per call)'),
  jitter: bi('抖动（毫秒）', 'Jitter (ms)'),
  maxGap: bi('最大包间隔（毫秒）', 'Largest gap (ms)'),
  firstMedia: bi('首包时间（毫秒）', 'Time to first media (ms)'),
  rtt: bi('RTCP 往返时延（毫秒）', 'RTCP round trip (ms)'),
  sendSlip: bi('发生器 RTP 发送滞后（毫秒）', "Generator's RTP send slip (ms)"),
  recordings: bi('录音完整率', 'Recording completeness'),
  recSource: bi('录音来源', 'Recording source'),
  recChecked: bi('检查/应答呼叫', 'Calls checked/answered'),
  recValid: bi('有效录音', 'Valid recordings'),
  recCompleteness: bi('完整率（0–1）', 'Completeness (0–1)'),
  recFailures: bi('失败（按原因）', 'Failures by cause'),
  recTolerance: bi('时长容差（毫秒）', 'Duration tolerance (ms)'),
  recSample: bi('抽样', 'Sample'),
  recAll: bi('全部应答呼叫', 'every answered call'),
  definitions: bi('定义', 'Definitions'),
  estimator: bi('MOS 估计方法', 'MOS estimator'),
  calls: bi('呼叫数', 'calls'),
} as const;

/** "第 X 页 共 Y 页" (and the English equivalent). */
export function pageLabel(lang: ReportLang, page: number, pages: number): string {
  const zh = `第 ${page} 页 共 ${pages} 页`;
  const en = `Page ${page} of ${pages}`;
  return lang === 'zh' ? zh : lang === 'en' ? en : `${zh} / ${en}`;
}

/** The environment section's generator-host labels (report/host-rows.ts). */
export const H = {
  vcpus: bi('可用 vCPU 数', 'vCPUs available'),
  vm: bi('虚拟机', 'Virtual machine'),
  container: bi('容器', 'Container'),
  detectedBy: bi('虚拟化探测依据', 'Detected by'),
  clock: bi('时钟同步（NTP）', 'Clock sync (NTP)'),
  yes: bi('是', 'yes'),
  no: bi('否', 'no'),
  unknown: bi('无法判断', 'unknown'),
  hypervisorFlag: bi('是（仅 CPU 虚拟化标志，类型未识别）', 'yes (CPU hypervisor flag only; type not identified)'),
  notRecorded: bi('未记录', 'not recorded'),
  clockNotRecorded: bi('未记录（chronyc、timedatectl 均无结果）', 'not recorded (neither chronyc nor timedatectl answered)'),
  synced: bi('已同步', 'synchronised'),
  unsynced: bi('未同步', 'not synchronised'),
  source: bi('时间源', 'source'),
  offset: bi('偏差', 'offset'),
};
