/**
 * Platform telemetry, the pure parts: the Prometheus text exposition parser on a real
 * node_exporter scrape (Debian's prometheus-node-exporter, test/fixtures/platform) and on the
 * format's corners; node_exporter's CPU, memory and network figures between two real scrapes
 * (values computed by hand from the fixture); the series summaries and criteria values (no
 * sample is not measured, never a pass); the scenario's `platform:` section and its criteria,
 * whose errors name the file, the field and what was expected; and the scraper against a local
 * HTTP server that answers badly and a closed port (counted by cause, never thrown).
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scenarioIssues, type RawScenario } from '../helpers/scenario-issues.js';
import { parseExposition } from '../../src/platform/exposition.js';
import { nodeCounters, nodeSample } from '../../src/platform/node-exporter.js';
import { percentileOf, seriesValue, summarizeSeries } from '../../src/platform/summary.js';
import { PlatformScraper, basicAuthOf } from '../../src/platform/scraper.js';
import { csvColumnsProblem, csvTimeMs, importCsv } from '../../src/platform/csv.js';
import { scenarioFromObject } from '../../src/scenario/load.js';
import { judge, metricValue, type MetricSource } from '../../src/verdict/thresholds.js';
import { describeCriterion, tryParseCriterion } from '../../src/scenario/criteria.js';
import { createLatencyHistogram } from '../../src/metrics/histograms.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/platform/${name}`, import.meta.url), 'utf8');
const scrape1 = fixture('node-exporter-1.prom');
const scrape2 = fixture('node-exporter-2.prom');

describe('Prometheus text exposition parser', () => {
  it('reads every sample of a real node_exporter scrape, with no error', () => {
    const { samples, errors } = parseExposition(scrape1);
    expect(errors).toEqual([]);
    const lines = scrape1.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    expect(samples).toHaveLength(lines.length);
    expect(samples.find((s) => s.name === 'node_memory_MemTotal_bytes')?.value).toBe(25276071936);
    expect(samples.find((s) => s.name === 'node_cpu_seconds_total' && s.labels.cpu === '1' && s.labels.mode === 'user')?.value).toBe(468.17);
    // A "#" inside a label value is no comment.
    expect(samples.find((s) => s.name === 'node_uname_info')?.labels.version).toBe('#1 SMP PREEMPT_DYNAMIC @0');
    expect(samples.find((s) => s.name === 'go_gc_duration_seconds' && s.labels.quantile === '0')?.value).toBe(0);
  });

  it('takes escapes, special values, timestamps, spaces, a trailing comma and CRLF; reports a bad line by number and keeps the rest', () => {
    const text = [
      '# HELP x_total A counter.',
      '# TYPE x_total counter',
      'x_total{path="/a\\"b\\\\c\\nd",code="200",} 1.5e+3 1700000000000',
      'up 1\r',
      'nan_metric NaN',
      'pos_inf +Inf',
      'neg_inf{le="-Inf"} -Inf',
      'spaced { a = "1" , b="2" }   7',
      'bad{a="1" 3',
      '9starts_with_digit 1',
      'no_value{a="1"}',
      'word_value abc',
      'dup{a="1",a="2"} 1',
      'last 42',
    ].join('\n');
    const { samples, errors } = parseExposition(text);
    expect(samples.map((s) => s.name)).toEqual(['x_total', 'up', 'nan_metric', 'pos_inf', 'neg_inf', 'spaced', 'last']);
    expect(samples[0]).toEqual({ name: 'x_total', labels: { path: '/a"b\\c\nd', code: '200' }, value: 1500, timestampMs: 1700000000000 });
    expect(samples[1].value).toBe(1);
    expect(samples[2].value).toBeNaN();
    expect(samples[3].value).toBe(Infinity);
    expect(samples[4]).toMatchObject({ labels: { le: '-Inf' }, value: -Infinity });
    expect(samples[5]).toMatchObject({ labels: { a: '1', b: '2' }, value: 7 });
    expect(samples[6].value).toBe(42);
    expect(errors.map((e) => e.line)).toEqual([9, 10, 11, 12, 13]);
    expect(errors[0].message).toMatch(/"," or "}"/);
    expect(errors[4].message).toMatch(/twice/);
  });
});

describe('node_exporter figures', () => {
  const c1 = nodeCounters(parseExposition(scrape1).samples, ['lo']);
  const c2 = nodeCounters(parseExposition(scrape2).samples, ['lo']);

  it('CPU % between two real scrapes: 100 × (1 − Δidle ÷ Δtotal) over both CPUs; memory from one scrape', () => {
    expect(c1.cpu?.cpus).toBe(2);
    // Summed over cpu 0 and 1, all modes: Δtotal 2.03 s, Δidle 2.01 s → 0.985 % busy.
    const first = nodeSample(0, c1, null);
    expect(first.cpuPct).toBeNull();
    expect(first.memUsedBytes).toBe(25276071936 - 24807186432);
    const s = nodeSample(1000, c2, { tMs: 0, counters: c1 });
    expect(s.cpuPct).toBe(0.985);
    // Second scrape: MemTotal 25276071936 − MemAvailable → 457367552 bytes, 1.809 %.
    expect(s.memUsedBytes).toBe(457367552);
    expect(s.memUsedPct).toBe(1.809);
    expect(s.netRxBytesPerSec).not.toBeNull();
    expect(s.netRxBytesPerSec).toBeGreaterThanOrEqual(0);
  });

  it('network bytes/s over the devices not excluded; a counter that went back, or CPUs that changed, give no figure', () => {
    const text = (idle: number, user: number, lo: number, eth: number, cpus = 1) => [
      ...Array.from({ length: cpus }, (_, i) => `node_cpu_seconds_total{cpu="${i}",mode="idle"} ${idle}\nnode_cpu_seconds_total{cpu="${i}",mode="user"} ${user}`),
      'node_memory_MemTotal_bytes 1000', 'node_memory_MemAvailable_bytes 250',
      `node_network_receive_bytes_total{device="lo"} ${lo}`, `node_network_receive_bytes_total{device="eth0"} ${eth}`,
      `node_network_transmit_bytes_total{device="lo"} ${lo}`, `node_network_transmit_bytes_total{device="eth0"} ${eth * 2}`,
    ].join('\n');
    const a = nodeCounters(parseExposition(text(100, 100, 0, 1000)).samples, ['lo']);
    const b = nodeCounters(parseExposition(text(101, 103, 1e9, 6000)).samples, ['lo']);
    // 2 s apart: eth0 +5000 B received, +10000 B sent; lo's gigabyte is left out. CPU: Δidle 1 of Δtotal 4 → 75 %.
    expect(nodeSample(2000, b, { tMs: 0, counters: a })).toEqual({
      tMs: 2000, cpuPct: 75, memUsedPct: 75, memUsedBytes: 750, netRxBytesPerSec: 2500, netTxBytesPerSec: 5000,
    });
    const withLo = nodeCounters(parseExposition(text(101, 103, 1e9, 6000)).samples, []);
    const withLoBefore = nodeCounters(parseExposition(text(100, 100, 0, 1000)).samples, []);
    expect(nodeSample(2000, withLo, { tMs: 0, counters: withLoBefore }).netRxBytesPerSec).toBe((1e9 + 5000) / 2);
    const reset = nodeCounters(parseExposition(text(1, 1, 0, 10)).samples, ['lo']);
    expect(nodeSample(4000, reset, { tMs: 2000, counters: b })).toMatchObject({ cpuPct: null, netRxBytesPerSec: null, memUsedPct: 75 });
    const twoCpus = nodeCounters(parseExposition(text(300, 300, 0, 7000, 2)).samples, ['lo']);
    expect(nodeSample(4000, twoCpus, { tMs: 2000, counters: b }).cpuPct).toBeNull();
  });

  it('another exporter has none of these: an all-null sample', () => {
    const c = nodeCounters(parseExposition('kamailio_core_rcv_requests_total 12\n').samples, ['lo']);
    expect(c).toEqual({ cpu: null, mem: null, net: null });
    expect(nodeSample(5000, c, null)).toEqual({
      tMs: 5000, cpuPct: null, memUsedPct: null, memUsedBytes: null, netRxBytesPerSec: null, netTxBytesPerSec: null,
    });
  });
});

describe('series summaries and criteria values', () => {
  it('max, mean, p95 (nearest rank) over the samples that have the figure', () => {
    expect(summarizeSeries([null, 10, 30, 20, null])).toEqual({ count: 3, max: 30, mean: 20, p95: 30 });
    expect(summarizeSeries([null])).toEqual({ count: 0, max: null, mean: null, p95: null });
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentileOf(hundred, 95)).toBe(95);
    expect(percentileOf(hundred, 100)).toBe(100);
    expect(seriesValue([5, null, 1, 3], { kind: 'max' })).toBe(5);
    expect(seriesValue([5, null, 1, 3], { kind: 'mean' })).toBe(3);
    expect(seriesValue([5, null, 1, 3], { kind: 'percentile', p: 50 })).toBe(3);
    expect(seriesValue([null, null], { kind: 'max' })).toBeNull();
  });

  const src = (samples: Array<{ cpuPct: number | null }> | null): MetricSource => ({
    counters: {
      attempts: 0, aborted: 0, timeouts: 0, completed: 0, cutAtEnd: 0, finalByCode: {}, answers: 0, failures: 0, blocked: 0, noResponse: 0,
    },
    setup: createLatencyHistogram(), pdd: createLatencyHistogram(), elapsedMs: 1000,
    concurrency: () => ({ peak: 0, sustained: null }),
    platform: (instance) => {
      if (instance !== 'app1' || samples === null) return null;
      const rest = { memUsedPct: 40, memUsedBytes: 4e8, netRxBytesPerSec: 100, netTxBytesPerSec: 200 };
      return { samples: samples.map((s, i) => ({ tMs: i * 1000, ...rest, ...s })) };
    },
  });
  const criterion = (key: string, expr: string) => {
    const r = tryParseCriterion(key, expr);
    if (!r.ok) throw new Error(r.expected);
    return r.criterion;
  };

  it('platform_cpu_pct{instance:…} max / avg / p(95) over the samples; no sample, or every CPU null, fails as not measured', () => {
    const c = criterion('platform_cpu_pct{instance:app1}', 'max<80');
    expect(c.selector).toEqual({ instance: 'app1' });
    expect(describeCriterion(c)).toBe('platform_cpu_pct{instance:app1} max < 80 %');
    expect(judge(c, src([{ cpuPct: null }, { cpuPct: 20 }, { cpuPct: 60 }]))).toEqual({ criterion: 'max<80', metric: 'platform_cpu_pct{instance:app1}', actual: 60, pass: true });
    expect(judge(c, src([{ cpuPct: 20 }, { cpuPct: 90 }])).pass).toBe(false);
    expect(metricValue(criterion('platform_cpu_pct{instance:app1}', 'avg<50'), src([{ cpuPct: 20 }, { cpuPct: 40 }]))).toBe(30);
    expect(metricValue(criterion('platform_mem_used_pct{instance:app1}', 'p(95)<80'), src([{ cpuPct: 1 }]))).toBe(40);
    expect(metricValue(criterion('platform_net_tx_bytes_per_sec{instance:app1}', 'max<1000'), src([{ cpuPct: 1 }]))).toBe(200);
    expect(judge(c, src([]))).toMatchObject({ actual: null, pass: false });
    expect(judge(c, src([{ cpuPct: null }]))).toMatchObject({ actual: null, pass: false });
    expect(judge(c, src(null))).toMatchObject({ actual: null, pass: false });
    expect(judge(criterion('platform_cpu_pct{instance:app1}', 'max<80%'), src([{ cpuPct: 79 }])).pass).toBe(true);
  });

  it('thresholds are numbers (a percentage may carry %), never durations; the selector is required', () => {
    expect(tryParseCriterion('platform_cpu_pct{instance:app1}', 'max<80ms')).toMatchObject({ ok: false, expected: expect.stringMatching(/percentage/) });
    expect(tryParseCriterion('platform_net_rx_bytes_per_sec{instance:app1}', 'max<1s')).toMatchObject({ ok: false, expected: expect.stringMatching(/bytes per second/) });
    expect(tryParseCriterion('platform_cpu_pct', 'max<80')).toMatchObject({ ok: false, expected: expect.stringMatching(/platform\.targets\[\]\.name/) });
    expect(tryParseCriterion('platform_cpu_pct{instance:app1}', '<80')).toMatchObject({ ok: false });
  });
});

type Raw = RawScenario;
const base = (): Raw => ({
  name: 'x',
  load: { model: 'closed', stages: [{ duration: '1s', target: 2 }, { duration: '2s', target: 2 }] },
  call: { hold: '1s' },
  platform: { targets: [{ name: 'app1', url: 'http://127.0.0.1:9100/metrics' }] },
});
const issues = (mutate: (o: Raw) => void): string[] => scenarioIssues(base, mutate);

describe('CSV import (the operator\'s monitoring export)', () => {
  const start = Date.parse('2026-12-03T18:00:00Z');
  it('reads time as ISO 8601 with a zone or Unix seconds/ms; nothing else', () => {
    expect(csvTimeMs('2026-12-03T18:00:05Z')).toBe(start + 5000);
    expect(csvTimeMs('2026-12-03 20:00:05.5+02:00')).toBe(start + 5500);
    expect(csvTimeMs(String(start / 1000 + 7))).toBe(start + 7000);
    expect(csvTimeMs(`${start / 1000 + 7}.25`)).toBe(start + 7250);
    expect(csvTimeMs(String(start + 9))).toBe(start + 9);
    expect(csvTimeMs('2026-12-03 18:00:05')).toBeNull();
    expect(csvTimeMs('yesterday')).toBeNull();
  });

  it('aligns rows on the run\'s timeline: outside the run left out, bad rows counted, empty cells null, other columns ignored', () => {
    const table = {
      columns: ['time', 'host', 'cpu_pct', 'mem_used_pct', 'net_rx_bytes_per_sec'],
      rows: [
        ['2026-12-03T18:00:04Z', 'a', '20', '50.5', ''],
        ['2026-12-03T17:59:59Z', 'a', '99', '99', '1'],
        ['2026-12-03T18:00:02Z', 'a', '10', '', '300'],
        ['2026-12-03T18:00:03Z', 'a', 'high', '1', '1'],
        ['noon', 'a', '1', '1', '1'],
        ['2026-12-03T18:00:11Z', 'a', '1', '1', '1'],
      ],
    };
    const imp = importCsv(table, start, 10_000);
    expect(imp.samples).toEqual([
      { tMs: 2000, cpuPct: 10, memUsedPct: null, memUsedBytes: null, netRxBytesPerSec: 300, netTxBytesPerSec: null },
      { tMs: 4000, cpuPct: 20, memUsedPct: 50.5, memUsedBytes: null, netRxBytesPerSec: null, netTxBytesPerSec: null },
    ]);
    expect(imp).toMatchObject({ outsideRun: 2, badRows: 2 });
    expect(imp.firstBadRow).toBe('line 5: cpu_pct "high" is not a number >= 0');
    expect(csvColumnsProblem(['time', 'cpu_pct'])).toBeNull();
    expect(csvColumnsProblem(['ts', 'cpu_pct'])).toMatch(/no "time" column/);
    expect(csvColumnsProblem(['time', 'load1'])).toMatch(/no figure column: expected at least one of cpu_pct, mem_used_pct/);
  });

  it('the scraper keeps a CSV import as a server of its own; a file it cannot use is counted, not thrown', () => {
    const raw: string[] = [];
    const sc = new PlatformScraper(
      { intervalMs: 5000, timeoutMs: 2000, excludeDevices: [], targets: [], csv: [{ name: 'ops', file: '/x/ops.csv' }, { name: 'bad', file: '/x/bad.csv' }] },
      { onRaw: (l) => raw.push(l) },
    );
    sc.start(Date.now() - 10_000);
    const now = new Date().toISOString();
    sc.addCsv('ops', { text: `time,cpu_pct\n${now},42\n`, table: { columns: ['time', 'cpu_pct'], rows: [[now, '42']] } });
    sc.addCsv('bad', { text: null, error: '/x/bad.csv: file not found' });
    void sc.stop();
    const r = sc.result().instances;
    expect(r.ops).toMatchObject({ source: 'csv', url: '/x/ops.csv', nodeExporter: true, scrapes: { ok: 1, failed: 0 } });
    expect(r.ops.summary.cpuPct).toEqual({ count: 1, max: 42, mean: 42, p95: 42 });
    expect(r.bad).toMatchObject({ source: 'csv', samples: [], scrapes: { ok: 0, failed: 1, failuresByCause: { csv_unreadable: 1 } } });
    expect(raw.map((l) => JSON.parse(l) as Record<string, unknown>)).toEqual([
      expect.objectContaining({ instance: 'ops', source: 'csv', ok: true, imported: 1, body: `time,cpu_pct\n${now},42\n` }),
      expect.objectContaining({ instance: 'bad', source: 'csv', ok: false, cause: 'csv_unreadable', error: '/x/bad.csv: file not found' }),
    ]);
  });
});

describe('the scenario\'s platform section', () => {
  it('defaults: every 5 s, a 2 s timeout, lo excluded; absent: null', () => {
    expect(scenarioFromObject(base(), 'x.yaml').platform).toEqual({
      intervalMs: 5000, timeoutMs: 2000, targets: [{ name: 'app1', url: 'http://127.0.0.1:9100/metrics' }], csv: [], excludeDevices: ['lo'], rtpengine: null,
    });
    const short = base();
    short.platform.interval = '1s';
    expect(scenarioFromObject(short, 'x.yaml').platform).toMatchObject({ intervalMs: 1000, timeoutMs: 1000 });
    const { platform: _p, ...none } = base();
    expect(scenarioFromObject(none, 'x.yaml').platform).toBeNull();
    // CSV imports only, the file relative to the scenario's.
    const csv = scenarioFromObject({ ...none, platform: { csv: [{ name: 'ops', file: 'mon/ops.csv' }] } }, '/tmp/s/x.yaml');
    expect(csv.platform).toMatchObject({ targets: [], csv: [{ name: 'ops', file: '/tmp/s/mon/ops.csv' }] });
  });

  it('errors name the file, the field and what was expected', () => {
    expect(issues((o) => { o.platform.targets[0].name = 'App:1'; })).toEqual([
      expect.stringMatching(/^x\.yaml: platform\.targets\[0\]\.name: expected a name of lower-case letters.*got "App:1"/),
    ]);
    expect(issues((o) => { o.platform.targets[0].url = 'ftp://x/metrics'; })).toEqual([expect.stringMatching(/^x\.yaml: platform\.targets\[0\]\.url: expected an http\(s\) URL/)]);
    expect(issues((o) => { o.platform.targets = []; })).toEqual([expect.stringMatching(/platform\.targets: expected at least one target/)]);
    expect(issues((o) => { o.platform.intervl = '1s'; })).toEqual([expect.stringMatching(/platform: unknown field "intervl".*interval/)]);
    expect(issues((o) => { o.platform.interval = '1s'; o.platform.timeout = '3s'; })).toEqual([expect.stringMatching(/platform\.timeout: expected at most platform\.interval \(1s\), got "3s"/)]);
    expect(issues((o) => { o.platform.targets.push({ name: 'app1', url: 'http://127.0.0.1:9101/metrics' }); })).toEqual([expect.stringMatching(/platform\.targets\[1\]\.name: expected a name no other target or csv import has, got "app1"/)]);
    expect(issues((o) => { o.platform.interval = '100ms'; })).toEqual([expect.stringMatching(/platform\.interval: expected at least 200ms/)]);
    expect(issues((o) => { o.platform = { interval: '1s' }; })).toEqual([expect.stringMatching(/^x\.yaml: platform: expected targets \(Prometheus endpoints\), csv \(monitoring exports\), rtpengine \(its ng view\), or several, got "none of them"/)]);
    expect(issues((o) => { o.platform.csv = [{ name: 'app1', file: 'a.csv' }]; })).toEqual([expect.stringMatching(/platform\.csv\[0\]\.name: expected a name no other target or csv import has, got "app1"/)]);
  });

  it('criteria name a target of the section; none without it, nor with a capacity search', () => {
    const s = scenarioFromObject({ ...base(), criteria: { 'platform_cpu_pct{instance:app1}': ['max<80', 'p(95)<70'], 'platform_mem_used_pct{instance:app1}': 'avg<90' } }, 'x.yaml');
    expect(s.criteria.map((c) => `${c.name} ${c.source}`)).toEqual([
      'platform_cpu_pct{instance:app1} max<80', 'platform_cpu_pct{instance:app1} p(95)<70', 'platform_mem_used_pct{instance:app1} avg<90',
    ]);
    expect(issues((o) => { o.criteria = { 'platform_cpu_pct{instance:db}': ['max<80'] }; })).toEqual([
      expect.stringMatching(/criteria\.platform_cpu_pct\{instance:db\}: expected a platform server among platform\.targets\[\]\.name and platform\.csv\[\]\.name \(app1\), got "db"/),
    ]);
    expect(issues((o) => { delete o.platform; o.criteria = { 'platform_cpu_pct{instance:app1}': ['max<80'] }; })).toEqual([
      expect.stringMatching(/criteria\.platform_cpu_pct\{instance:app1\}: expected a platform section/),
    ]);
    expect(issues((o) => {
      o.load = { model: 'search', start: 10, step: 10, stepDuration: '5s', ceiling: 20 };
      o.criteria = { 'platform_cpu_pct{instance:app1}': ['max<80'] };
    })).toEqual([expect.stringMatching(/no platform criteria with model: search/)]);
  });
});

describe('the scraper, against a bad server and a closed port', () => {
  let server: Server;
  let port = 0;
  let closedPort = 0;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/auth') { res.statusCode = req.headers.authorization === `Basic ${Buffer.from('prom:s3cr%t').toString('base64')}` ? 200 : 401; res.end('up 1\n'); return; }
      if (req.url === '/500') { res.statusCode = 500; res.end('oops'); return; }
      if (req.url === '/empty') { res.end('# nothing here\n'); return; }
      res.end('some_metric{a="1"} 3\nbroken{ 1\n');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
    // A port that was just free: nothing listens there.
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    closedPort = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('counts each failure by cause, writes every scrape raw, keeps another exporter\'s metrics raw only', async () => {
    const raw: string[] = [];
    const scraper = new PlatformScraper({
      intervalMs: 200, timeoutMs: 200, excludeDevices: ['lo'], csv: [],
      targets: [
        { name: 'ok', url: `http://127.0.0.1:${port}/metrics` },
        { name: 'e500', url: `http://127.0.0.1:${port}/500` },
        { name: 'empty', url: `http://127.0.0.1:${port}/empty` },
        { name: 'closed', url: `http://127.0.0.1:${closedPort}/metrics` },
        // user:password in the URL become Basic auth (percent-decoded), and never reach results.json.
        { name: 'auth', url: `http://prom:s3cr%25t@127.0.0.1:${port}/auth` },
      ],
    }, { onRaw: (l) => raw.push(l), redact: (u) => u.replace(/\/\/[^@/]*@/, '//***@') });
    await scraper.open();
    scraper.start(Date.now());
    // Wait on what happened, not on time: until every target has been tried at least twice.
    const tried = () => Object.values(scraper.result().instances).every((i) => i.scrapes.ok + i.scrapes.failed >= 2);
    while (!tried()) await new Promise((r) => setTimeout(r, 20));
    await scraper.stop();
    const r = scraper.result();
    const i = r.instances;
    expect(i.ok.scrapes).toMatchObject({ failed: 0, unparsedLines: i.ok.scrapes.ok });
    expect(i.ok.nodeExporter).toBe(false);
    expect(i.ok.samples[0]).toMatchObject({ cpuPct: null, memUsedPct: null });
    expect(i.e500.scrapes).toMatchObject({ ok: 0, failuresByCause: { http_status: i.e500.scrapes.failed } });
    expect(i.e500.scrapes.lastFailure?.message).toMatch(/HTTP 500/);
    expect(i.empty.scrapes).toMatchObject({ ok: 0, failuresByCause: { no_samples: i.empty.scrapes.failed } });
    expect(i.closed.scrapes).toMatchObject({ ok: 0, failuresByCause: { refused: i.closed.scrapes.failed } });
    expect(i.closed.samples).toEqual([]);
    expect(i.closed.summary.cpuPct).toEqual({ count: 0, max: null, mean: null, p95: null });
    expect(i.auth.scrapes).toMatchObject({ failed: 0 });
    expect(i.auth.url).toBe(`http://***@127.0.0.1:${port}/auth`);
    expect(raw.join('')).not.toContain('s3cr');
    expect(basicAuthOf('http://127.0.0.1:9100/metrics')).toEqual({ url: 'http://127.0.0.1:9100/metrics', authorization: null });
    const lines = raw.map((l) => JSON.parse(l) as { instance: string; ok: boolean; body?: string; cause?: string });
    for (const name of ['ok', 'e500', 'empty', 'closed', 'auth']) {
      const inst = i[name];
      expect(lines.filter((l) => l.instance === name)).toHaveLength(inst.scrapes.ok + inst.scrapes.failed);
    }
    expect(lines.find((l) => l.instance === 'ok')?.body).toContain('some_metric{a="1"} 3');
    expect(lines.find((l) => l.instance === 'closed')).toMatchObject({ ok: false, cause: 'refused' });
  });
});
