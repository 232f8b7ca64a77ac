/**
 * The Prometheus exposition of a run (src/outputs/prometheus): RunMetrics fed with interval and
 * progress events as the engine emits them, rendered as text and read back by the project's own
 * exposition parser (src/platform/exposition.ts) and, when Debian's prometheus is installed, by
 * `promtool check metrics` (its format and naming lint). Every counter and trend of the catalogue
 * comes out under its catalogue name with no code of its own; histogram buckets are cumulative
 * counts of the HDR data; labels split tag keys as the catalogue orders them; the remote-write
 * body decodes back (snappy block, then the protobuf) to the same series.
 */
import { execFileSync } from 'node:child_process';
import snappy from 'snappyjs';
import { describe, expect, it } from 'vitest';
import type { RunEvent, RunInfo, Progress } from '../../src/engine/events.js';
import { SERIES, SERIES_NAMES, type CounterName, type TrendName } from '../../src/metrics/catalog.js';
import { createLatencyHistogram, recordMs, type Histogram } from '../../src/metrics/histograms.js';
import type { IntervalReport } from '../../src/metrics/interval.js';
import { emptyMeasures, tagKey, type Measures } from '../../src/metrics/measures.js';
import { counterFamilyName, histogramFamilyName, gaugeFamilyName } from '../../src/outputs/prometheus/families.js';
import { RunMetrics } from '../../src/outputs/prometheus/run-metrics.js';
import { parseListenAddress, parseRemoteWriteUrl } from '../../src/outputs/prometheus/sink-args.js';
import { renderExposition } from '../../src/outputs/prometheus/text.js';
import { REMOTE_WRITE_FAMILIES, toTimeSeries } from '../../src/outputs/prometheus/remote-write.js';
import { readFileSync } from 'node:fs';
import type { Results } from '../../src/results/summary.js';
import { encodeWriteRequest, writeRequestBody, type TimeSeries } from '../../src/outputs/prometheus/write-request.js';
import { parseExposition, type ExpositionSample } from '../../src/platform/exposition.js';
import { scenarioFromObject } from '../../src/scenario/load.js';
import { commandExists } from '../helpers/procs.js';

const scenario = scenarioFromObject({
  name: 'expo',
  load: { model: 'closed', stages: [{ duration: '1s', target: 4 }, { duration: '2s', target: 4 }] },
  call: { hold: '1s', media: 'none' },
  criteria: { ser: ['>=0.99'], setup_ms: ['p(95)<500'] },
}, 'test');
const info: RunInfo = {
  scenario, scenarioText: null, resolvedScenario: {}, workers: 2, totalMs: 3000,
  target: { uri: 'sip:ivr@127.0.0.1:5060', host: '127.0.0.1', port: 5060, transport: 'udp' },
};

/** A tag key for any series: made-up values in its catalogue order, the last one holding the separator and a quote. */
function keyFor(tags: readonly string[]): string {
  return tags.length === 0 ? '' : tagKey(...tags.map((t, i) => (i === tags.length - 1 ? `v|"${t}"` : `${t}1`)));
}

/** An interval with every catalogued counter (n each) and trend (the given ms values each), under one tag key per series. */
function interval(worker: number, seq: number, n: number, ms: readonly number[]): { type: 'interval'; report: IntervalReport; measures: Measures<Histogram> } {
  const m = emptyMeasures<Histogram>();
  for (const name of SERIES_NAMES) {
    const d = SERIES[name];
    if (d.kind === 'counter') (m.counters as Record<string, Record<string, number>>)[name as CounterName] = { [keyFor(d.tags)]: n };
    if (d.kind === 'trend') {
      const h = createLatencyHistogram();
      for (const v of ms) recordMs(h, v);
      (m.trends as Record<string, Record<string, Histogram>>)[name as TrendName] = { [keyFor(d.tags)]: h };
    }
  }
  const report: IntervalReport = {
    type: 'interval', worker, seq, counters: {}, trends: {}, samples: [[seq * 10 + 9, 3 + worker, 4 + worker]], calls: '',
    eventLoopLagMsP99: 1.5, eventLoopLagMsMax: 4, eventLoopLagMsP99Run: 1.5, heapUsedBytes: 1e7,
  };
  return { type: 'interval', report, measures: m };
}

const progress = (p: Partial<Progress>): RunEvent => ({
  type: 'progress', partialResults: () => { throw new Error('not read'); },
  progress: {
    elapsedMs: 2000, totalMs: 3000, active: 7, target: 4, model: 'closed', offeredCps: 0, achievedCps: 0, attempts: 0, answers: 0,
    failures: 0, blocked: 0, ser: null, setupMsP95: null, failuresByCode: {}, stopping: false, http: [], ...p,
  },
});

function exposed(): { text: string; samples: ExpositionSample[] } {
  const rm = new RunMetrics();
  rm.start(info);
  rm.add(interval(0, 0, 2, [0.7, 3, 40]));
  rm.add(interval(1, 0, 3, [1500]));
  rm.add(interval(0, 1, 5, [3, 250_000]));
  rm.add(progress({
    criteria: [
      { metric: 'ser', threshold: '>=0.99', actual: 0.5, failing: true },
      { metric: 'setup_ms', threshold: 'p(95)<500', actual: 12.5, failing: false },
    ],
  }));
  const text = renderExposition(rm.families());
  const { samples, errors } = parseExposition(text);
  expect(errors).toEqual([]);
  return { text, samples };
}

const find = (samples: ExpositionSample[], name: string, labels: Record<string, string> = {}) =>
  samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));

describe('the exposition of a run', () => {
  const { text, samples } = exposed();

  it('parses, every line, with the project parser', () => {
    expect(samples.length).toBeGreaterThan(100);
  });

  it('passes promtool check metrics (format and naming lint)', () => {
    if (!commandExists('promtool')) throw new Error('promtool not installed (apt-get install prometheus)');
    // promtool exits non-zero and prints the problem on any lint or format error.
    expect(execFileSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' })).toBe('');
  });

  it('has every catalogued counter as callcert_<name>_total, summed over workers and intervals, labelled by its tags', () => {
    for (const name of SERIES_NAMES) {
      const d = SERIES[name];
      if (d.kind !== 'counter') continue;
      const labels = Object.fromEntries(d.tags.map((t, i) => [t, i === d.tags.length - 1 ? `v|"${t}"` : `${t}1`]));
      const got = find(samples, counterFamilyName(name), labels);
      expect(got.map((s) => s.value), name).toEqual([10]);
      expect(text).toContain(`# TYPE ${counterFamilyName(name)} counter`);
      expect(text).toContain(`# HELP ${counterFamilyName(name)} ${d.description}`);
    }
  });

  it('has every catalogued trend as a histogram in base units: cumulative buckets from the HDR data, _count and _sum', () => {
    for (const name of SERIES_NAMES) {
      const d = SERIES[name];
      if (d.kind !== 'trend') continue;
      const fam = histogramFamilyName(name, d.unit);
      if (d.unit === 'ms') expect(fam, name).toMatch(/_seconds$/);
      const buckets = find(samples, `${fam}_bucket`);
      const counts = buckets.map((b) => b.value);
      expect(counts, name).toEqual([...counts].sort((a, b) => a - b));
      expect(buckets[buckets.length - 1].labels.le).toBe('+Inf');
      expect(find(samples, `${fam}_count`)[0].value, name).toBe(6);
      if (d.unit === 'ms') {
        // 0.7, 3, 40, 1500, 3, 250000 ms: within the HDR histogram's 3 digits.
        const le = (v: string) => buckets.find((b) => b.labels.le === v)!.value;
        expect(le('0.001')).toBe(1);
        expect(le('0.005')).toBe(3);
        expect(le('0.05')).toBe(4);
        expect(le('2')).toBe(5);
        expect(le('300')).toBe(6);
        expect(find(samples, `${fam}_sum`)[0].value).toBeCloseTo(251.5467, 0);
      }
    }
  });

  it('has the gauges: channels over workers, per-worker health, load target, phase, criteria', () => {
    expect(find(samples, gaugeFamilyName('calls_established', 'channels'))[0].value).toBe(3 + 4);
    expect(find(samples, gaugeFamilyName('event_loop_lag_ms', 'ms'), { worker: '1', stat: 'max' })[0].value).toBe(0.004);
    expect(find(samples, 'callcert_load_target', { model: 'closed' })[0].value).toBe(4);
    expect(find(samples, 'callcert_run_phase', { phase: 'running' })[0].value).toBe(1);
    expect(find(samples, 'callcert_run_phase', { phase: 'finished' })[0].value).toBe(0);
    expect(find(samples, 'callcert_criterion_ok', { metric: 'ser', threshold: '>=0.99' })[0].value).toBe(0);
    expect(find(samples, 'callcert_criterion_value', { metric: 'setup_ms', threshold: 'p(95)<500' })[0].value).toBe(12.5);
    expect(find(samples, 'callcert_run_info')[0].labels).toMatchObject({ scenario: 'expo', model: 'closed' });
  });
});

/** The fields of a protobuf message: [field number, wire type, value (varint, double or bytes)]. */
function fields(b: Uint8Array): Array<[number, number, number | Uint8Array]> {
  const out: Array<[number, number, number | Uint8Array]> = [];
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let i = 0;
  const varint = () => {
    let v = 0;
    let mul = 1;
    for (;;) {
      const x = b[i++];
      v += (x & 0x7f) * mul;
      mul *= 128;
      if (x < 0x80) return v;
    }
  };
  while (i < b.length) {
    const tag = varint();
    const wire = tag & 7;
    if (wire === 0) out.push([tag >> 3, 0, varint()]);
    else if (wire === 1) {
      out.push([tag >> 3, 1, view.getFloat64(i, true)]);
      i += 8;
    } else if (wire === 2) {
      const n = varint();
      out.push([tag >> 3, 2, b.subarray(i, i + n)]);
      i += n;
    } else throw new Error(`wire type ${wire}`);
  }
  return out;
}

function decodeWriteRequest(b: Uint8Array): TimeSeries[] {
  const dec = new TextDecoder();
  return fields(b).map(([, , ts]) => {
    const labels: Array<[string, string]> = [];
    const samples: Array<[number, number]> = [];
    for (const [f, , v] of fields(ts as Uint8Array)) {
      const inner = fields(v as Uint8Array);
      if (f === 1) labels.push([dec.decode(inner[0][2] as Uint8Array), dec.decode(inner[1][2] as Uint8Array)]);
      else samples.push([inner[0][2] as number, inner[1][2] as number]);
    }
    return { labels, samples };
  });
}

describe('the remote-write body', () => {
  it('decodes back (snappy block, protobuf) to the series, labels sorted by name', () => {
    const series: TimeSeries[] = [
      { labels: [['job', 'callcert'], ['__name__', 'callcert_calls_answered_total']], samples: [[42, 1_765_000_000_123], [43, 1_765_000_005_123]] },
      { labels: [['__name__', 'callcert_setup_seconds_bucket'], ['le', '+Inf'], ['cause', 'ü "x"\n']], samples: [[0.25, 1_765_000_000_123]] },
      { labels: [['__name__', 'x'.repeat(300)]], samples: [[-1.5e-9, 0]] },
    ];
    const back = decodeWriteRequest(snappy.uncompress(writeRequestBody(series)));
    expect(back).toEqual(series.map((s) => ({ labels: [...s.labels].sort((a, b) => (a[0] < b[0] ? -1 : 1)), samples: s.samples })));
    expect(encodeWriteRequest([]).length).toBe(0);
  });

  it('merges snapshots into one series per name and labels, a sample per snapshot, with the extra labels', () => {
    const fam = { name: 'callcert_a_total', type: 'counter' as const, help: '', samples: [{ name: 'callcert_a_total', labels: [['code', '200']] as Array<[string, string]>, value: 1 }] };
    const later = { ...fam, samples: [{ ...fam.samples[0], value: 5 }] };
    const ts = toTimeSeries([{ tMs: 1000, families: [fam] }, { tMs: 2000, families: [later] }], [['job', 'callcert']]);
    expect(ts).toEqual([{ labels: [['__name__', 'callcert_a_total'], ['job', 'callcert'], ['code', '200']], samples: [[1, 1000], [5, 2000]] }]);
  });
});

describe('sink arguments', () => {
  it('listen on loopback by default, read HOST:PORT, [v6]:PORT and :PORT, refuse the rest in one line', () => {
    expect(parseListenAddress(undefined, '--sink prometheus')).toEqual({ host: '127.0.0.1', port: 9466 });
    expect(parseListenAddress('0.0.0.0:9999', '--sink prometheus')).toEqual({ host: '0.0.0.0', port: 9999 });
    expect(parseListenAddress('[::1]:9000', '--sink prometheus')).toEqual({ host: '::1', port: 9000 });
    expect(parseListenAddress(':9001', '--sink prometheus')).toEqual({ host: '127.0.0.1', port: 9001 });
    expect(() => parseListenAddress('::1:9000', '--sink prometheus')).toThrow(/--sink prometheus=::1:9000: an IPv6 address must be in brackets/);
    expect(() => parseListenAddress('127.0.0.1:70000', '--sink prometheus')).toThrow(/the port must be 0 to 65535, got "70000"/);
    expect(parseRemoteWriteUrl('http://127.0.0.1:9090/api/v1/write')).toBe('http://127.0.0.1:9090/api/v1/write');
    expect(() => parseRemoteWriteUrl(undefined)).toThrow(/needs the receiver's URL/);
    expect(() => parseRemoteWriteUrl('ftp://x/')).toThrow(/expected an http or https URL/);
  });
});

describe('the Grafana dashboard (examples/grafana/callcert-dashboard.json)', () => {
  it('queries only series callcert exposes', () => {
    const rm = new RunMetrics();
    rm.start(info);
    rm.add(interval(0, 0, 1, [3]));
    rm.add(progress({}));
    const results = {
      summary: { ratios: { ser: 1, seer: 1, isa: 0, scr: 1, asr: 1 }, concurrency: { peak: 3 } }, valid: true, verdict: 'passed',
      criteria: [{ metric: 'ser', criterion: '>=0.99', actual: 1, pass: true, step: null }],
    } as unknown as Results;
    rm.add({ type: 'finished', results });
    const names = new Set<string>(Object.values(REMOTE_WRITE_FAMILIES));
    for (const f of rm.families()) {
      names.add(f.name);
      for (const s of f.samples) names.add(s.name);
    }
    const dash = JSON.parse(readFileSync(new URL('../../examples/grafana/callcert-dashboard.json', import.meta.url), 'utf8')) as {
      panels: Array<{ targets?: Array<{ expr: string }> }>;
      templating: { list: Array<{ definition?: string }> };
    };
    const exprs = [...dash.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)), ...dash.templating.list.map((v) => v.definition ?? '')];
    const used = new Set(exprs.flatMap((e) => e.match(/callcert_[a-z0-9_]+/g) ?? []));
    expect(used.size).toBeGreaterThan(20);
    expect([...used].filter((n) => !names.has(n))).toEqual([]);
  });
});
