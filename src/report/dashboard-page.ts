/**
 * The live dashboard's page and the snapshots it draws (`--dashboard`, `callcert dashboard`). A snapshot is
 * built from a results.json as it stands — the run's partial results while it goes, the file afterwards —
 * with the report's own chart specifications (chart-specs.ts → chart-config.ts), so the dashboard draws the
 * figures the HTML and PDF reports draw, the same way. The page is one offline file: chart.js inlined as
 * in html.ts, no font or script fetched from elsewhere; English labels (the system fonts of any browser
 * have them, the embedded CJK subset of the report is made per page and cannot follow live data).
 */
import type { Results } from '../results/summary.js';
import { chartConfig, type JsonChartConfig } from './chart-config.js';
import { resultSpecs, type ChartSpec } from './chart-specs.js';
import { mediaQualityTimelineSpec, mosTimelineSpec } from './media-charts.js';
import { chartJs } from './html.js';
import { tr } from './i18n.js';

/** Points kept per series: a browser redraws every snapshot, so fewer than the report's 4000. */
const DASHBOARD_BUCKETS = 600;

export interface DashboardSnapshot {
  name: string;
  state: string;
  verdict: string;
  elapsedS: number;
  /** Established calls at the end of the last second in the results. */
  active: number | null;
  calls: { attempted: number; answered: number; failed: number; blocked: number };
  concurrency: { peak: number };
  cps: { offered: number; achieved: number };
  ratios: { ser: number | null; isa: number | null };
  setupMsP95: number | null;
  pddMsP95: number | null;
  generator: { scheduleSlipMsP99: number | null; eventLoopLagMsP99: number | null; cpuPct: number };
  criteria: Array<{ metric: string; threshold: string; actual: number | null; pass: boolean }>;
  charts: Array<{ id: string; title: string; caption: string; config: JsonChartConfig }>;
}

/** The report's charts over time, then the media ones when the run had media (the per-call MOS histogram needs calls.jsonl). */
function specsOf(r: Results): ChartSpec[] {
  return [...resultSpecs(r), mosTimelineSpec(r), mediaQualityTimelineSpec(r)].filter((c): c is ChartSpec => c !== null);
}

export function dashboardSnapshot(r: Results): DashboardSnapshot {
  const s = r.summary;
  return {
    name: r.scenario.name,
    state: r.state,
    verdict: r.verdict,
    elapsedS: Math.round(r.durationMs / 1000),
    active: r.timeline.at(-1)?.active ?? null,
    calls: { attempted: s.calls.attempted, answered: s.calls.answered, failed: s.calls.failed, blocked: s.calls.blocked },
    concurrency: { peak: s.concurrency.peak },
    cps: { offered: s.cps.offered, achieved: s.cps.achieved },
    ratios: { ser: s.ratios.ser, isa: s.ratios.isa },
    setupMsP95: s.setupMs.p95,
    pddMsP95: s.pddMs.p95,
    generator: {
      scheduleSlipMsP99: r.generator.scheduleSlipMsP99,
      eventLoopLagMsP99: r.generator.eventLoopLagMsP99,
      cpuPct: r.generator.cpuPct,
    },
    criteria: r.criteria.map((c) => ({ metric: c.metric, threshold: c.criterion, actual: c.actual, pass: c.pass })),
    charts: specsOf(r).map((spec) => ({
      id: spec.id,
      title: tr('en', spec.title),
      caption: tr('en', spec.caption),
      config: chartConfig(spec, 'en', DASHBOARD_BUCKETS),
    })),
  };
}

const STYLE = `body{font-family:system-ui,sans-serif;margin:1em 2em;color:#222}h1{font-size:1.4em;margin:.2em 0}
.tiles{display:flex;flex-wrap:wrap;gap:.6em}.tile{border:1px solid #ccc;border-radius:4px;padding:.4em .8em;min-width:7em}
.tile b{display:block;font-size:1.5em}.small{font-size:12px;color:#666}table{border-collapse:collapse;margin:.6em 0}
td,th{border:1px solid #999;padding:2px 8px;font-size:13px;text-align:left}.ok{color:#1e7e34}.bad{color:#c0392b}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(520px,1fr));gap:1em}.chart{position:relative;height:300px}
figure{margin:0}figcaption{font-size:13px}`;

/**
 * The page's script: one EventSource on ./events (the access token carried over from the page's own
 * query), `progress` messages fill the tiles every second, `snapshot` messages redraw the charts in place.
 */
const PAGE_SCRIPT = `(function () {
  var $ = function (id) { return document.getElementById(id); };
  var charts = {};
  // The drawn charts by id, for whoever inspects the page (the browser test reads their data).
  window.callcertCharts = charts;
  var fmt = function (v, d) { return v === null || v === undefined ? '–' : (typeof v === 'number' ? v.toFixed(d || 0) : String(v)); };
  var set = function (id, v) { var el = $(id); if (el) el.textContent = v; };
  var live = false;
  function progress(p) {
    live = true;
    set('elapsed', fmt(p.elapsedMs / 1000) + ' / ' + fmt(p.totalMs / 1000) + ' s');
    set('active', fmt(p.active)); set('target', fmt(p.target));
    set('offered', fmt(p.offeredCps, 1)); set('achieved', fmt(p.achievedCps, 1));
    set('attempted', fmt(p.attempts)); set('answered', fmt(p.answers)); set('failed', fmt(p.failures));
    set('ser', fmt(p.ser, 4));
    if (p.criteria) criteria(p.criteria.map(function (c) {
      return { metric: c.metric, threshold: c.threshold, actual: c.actual, state: c.failing ? 'failing' : 'holding' };
    }));
  }
  function criteria(list) {
    var rows = list.map(function (c) {
      var cls = c.state === 'failing' || c.state === 'failed' ? 'bad' : 'ok';
      var td = function (t) { var e = document.createElement('td'); e.textContent = t; return e; };
      var tr = document.createElement('tr');
      tr.append(td(c.metric), td(c.threshold), td(fmt(c.actual, 3)));
      var st = td(c.state); st.className = cls; tr.append(st);
      return tr;
    });
    $('criteria').replaceChildren.apply($('criteria'), rows);
  }
  function snapshot(s) {
    set('name', s.name); set('state', s.state + (s.state === 'finished' ? ' · ' + s.verdict : ''));
    // Live progress (a run) fills elapsed and channels every second; from the files, and at the end, the snapshot does.
    if (!live || s.state === 'finished') { set('elapsed', fmt(s.elapsedS) + ' s'); set('active', fmt(s.active)); }
    set('attempted', fmt(s.calls.attempted)); set('answered', fmt(s.calls.answered)); set('failed', fmt(s.calls.failed));
    set('ser', fmt(s.ratios.ser, 4)); set('isa', fmt(s.ratios.isa, 4));
    set('setup', fmt(s.setupMsP95, 1)); set('pdd', fmt(s.pddMsP95, 1)); set('peak', fmt(s.concurrency.peak));
    set('health', 'slip p99 ' + fmt(s.generator.scheduleSlipMsP99, 1) + ' ms · lag p99 ' + fmt(s.generator.eventLoopLagMsP99, 1) +
      ' ms · CPU ' + fmt(s.generator.cpuPct, 0) + ' %');
    if (s.state === 'finished') { set('offered', fmt(s.cps.offered, 1)); set('achieved', fmt(s.cps.achieved, 1)); }
    criteria(s.criteria.map(function (c) {
      return { metric: c.metric, threshold: c.threshold, actual: c.actual, state: s.state === 'finished' ? (c.pass ? 'passed' : 'failed') : (c.pass ? 'holding' : 'failing') };
    }));
    if (!window.Chart) return;
    s.charts.forEach(function (c) {
      var old = charts[c.id];
      if (old) { old.data = c.config.data; old.update('none'); return; }
      var fig = document.createElement('figure');
      var cap = document.createElement('figcaption');
      var b = document.createElement('b'); b.textContent = c.title;
      var sm = document.createElement('div'); sm.className = 'small'; sm.textContent = c.caption;
      cap.append(b, sm);
      var box = document.createElement('div'); box.className = 'chart';
      var canvas = document.createElement('canvas'); canvas.id = 'chart-' + c.id; box.append(canvas);
      fig.append(cap, box); $('charts').append(fig);
      c.config.options = Object.assign({}, c.config.options, { responsive: true, maintainAspectRatio: false, animation: false });
      charts[c.id] = new window.Chart(canvas, c.config);
    });
  }
  var es = new EventSource('events' + window.location.search);
  es.addEventListener('progress', function (e) { progress(JSON.parse(e.data)); });
  es.addEventListener('snapshot', function (e) { snapshot(JSON.parse(e.data)); document.body.dataset.snapshots = String(Number(document.body.dataset.snapshots || 0) + 1); });
  es.onerror = function () { set('link', 'disconnected (the run or the server ended); reload to retry'); };
  es.onopen = function () { set('link', 'live'); };
})();`;

const tile = (id: string, label: string) => `<div class="tile"><span class="small">${label}</span><b id="${id}">–</b></div>`;

let page: string | null = null;

/** The dashboard page, the same for every run (the data come over /events). */
export async function dashboardPage(): Promise<string> {
  if (page === null) {
    page = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>callcert dashboard</title><style>${STYLE}</style></head>
<body>
<h1>callcert · <span id="name">…</span></h1>
<p class="small">state: <span id="state">waiting for data</span> · elapsed <span id="elapsed">–</span> · link: <span id="link">connecting</span></p>
<div class="tiles">
${tile('active', 'channels')}${tile('target', 'target')}${tile('offered', 'offered CPS')}${tile('achieved', 'achieved CPS')}
${tile('attempted', 'attempted')}${tile('answered', 'answered')}${tile('failed', 'failed')}${tile('peak', 'peak channels')}
${tile('ser', 'SER')}${tile('isa', 'ISA')}${tile('setup', 'setup p95 ms')}${tile('pdd', 'PDD p95 ms')}
</div>
<p class="small">generator: <span id="health">–</span></p>
<h2>Criteria</h2>
<table><thead><tr><th>metric</th><th>threshold</th><th>current value</th><th>state</th></tr></thead><tbody id="criteria"></tbody></table>
<div class="grid" id="charts"></div>
<script>${await chartJs()}</script>
<script>${PAGE_SCRIPT}</script>
</body></html>
`;
  }
  return page;
}
