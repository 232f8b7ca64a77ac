/** Pure pieces of the report: ToUnicode parsing, decimation that keeps dips, the licence table's honesty. */
import { describe, expect, it } from 'vitest';
import { parseToUnicode } from '../../src/report/pdf-read.js';
import { MAX_DOTS, chartConfig, minMaxDecimate } from '../../src/report/chart-config.js';
import { licenceRows } from '../../src/report/licence.js';
import { runStatus } from '../../src/report/model.js';
import { recheckVerdicts } from '../../src/report/recheck.js';
import { certifiedSentence, verdictText } from '../../src/report/sections.js';
import { capacitySpec } from '../../src/report/chart-specs.js';
import type { Results } from '../../src/results/summary.js';
import { recordingsFrom, recordingsOf } from '../../src/report/media-figures.js';
import { oid, oidString, readDer, setOf } from '../../src/report/der.js';
import { readByteRangeSeal } from '../../src/report/pades.js';
import { mediaQualityTimelineSpec, mosHistogramSpec, mosTimelineSpec } from '../../src/report/media-charts.js';

describe('parseToUnicode', () => {
  it('reads bfrange arrays whose entries hold several UTF-16 units (ligatures) without shifting the rest', () => {
    const cmap = `2 beginbfrange
<0000> <0003> [<0041> <0066 006c> <9644> <5f55>]
<0010> <0012> <0030>
endbfrange
1 beginbfchar
<0020> <0078>
endbfchar`;
    const m = parseToUnicode(cmap);
    expect([m.get(0), m.get(1), m.get(2), m.get(3)]).toEqual(['A', 'fl', '附', '录']);
    expect([m.get(0x10), m.get(0x12), m.get(0x20)]).toEqual(['0', '2', 'x']);
  });
});

describe('minMaxDecimate', () => {
  it('keeps a one-sample dip in a long series', () => {
    const pts = Array.from({ length: 36000 }, (_, i) => ({ x: i / 10, y: i === 20001 ? 3 : 1000 }));
    const d = minMaxDecimate(pts, 900);
    expect(d.length).toBeLessThanOrEqual(1800);
    expect(Math.min(...d.map((p) => p.y as number))).toBe(3);
    expect(d.every((p, i) => i === 0 || p.x >= d[i - 1].x)).toBe(true);
  });
});

describe('licence table and shown verdict', () => {
  // Only the fields these functions read (nullable ones present, as in any validated document); real runs' documents go
  // through them in report-e2e.test.ts.
  const base = {
    state: 'finished', valid: true, interrupted: false, invalidReasons: [], verdict: 'passed', target: { embedded: false }, search: null, abortedBy: null,
    criteria: [{ criterion: '>=1000', metric: 'concurrency_sustained', actual: 1000, pass: true }],
    summary: {
      concurrency: { sustained: 1000, peak: 1004, target: 1000 }, calls: { attempted: 0, answered: 0, failed: 0 },
      outbound: null, httpFlows: {},
    },
  } as unknown as Results;

  it('measures only the channel count; everything else is not tested, never passed', () => {
    const rows = licenceRows(base, runStatus(base));
    expect(rows[0].state).toBe('met');
    expect(rows.slice(1).map((r) => r.state)).toEqual(['not-tested', 'not-tested', 'not-tested', 'not-tested', 'not-tested', 'not-tested', 'not-tested']);
  });

  it('an invalid run is never shown as passed, even if its criteria are met', () => {
    const inv = { ...base, valid: false, verdict: 'invalid', invalidReasons: ['generator saturated'] } as unknown as Results;
    expect(runStatus(inv)).toBe('invalid');
    expect(licenceRows(inv, 'invalid')[0].state).toBe('met-run-invalid');
    expect(recheckVerdicts(inv).problems).toEqual([]);
  });

  it('a valid run with no criteria is NOT JUDGED (未判定), never passed; "passed" with no criteria is refused', () => {
    const none = { ...base, criteria: [], verdict: 'not_judged' } as unknown as Results;
    expect(runStatus(none)).toBe('not_judged');
    expect(recheckVerdicts(none)).toEqual({ problems: [], verdict: 'not_judged' });
    const v = verdictText({ results: none, status: runStatus(none) } as never);
    expect(v.text).toMatchObject({ zh: expect.stringMatching(/^未判定/), en: expect.stringMatching(/^NOT JUDGED/) });
    const claimed = { ...none, verdict: 'passed' } as unknown as Results;
    expect(recheckVerdicts(claimed).problems[0]).toMatch(/verdict "passed" does not follow from the data \(expected "not_judged"\)/);
    expect(runStatus(claimed)).toBe('not_judged');
  });

  it('a verdict the numbers do not support is found', () => {
    const lie = { ...base, criteria: [{ criterion: '>=1000', metric: 'concurrency_sustained', actual: 999, pass: true }] } as unknown as Results;
    expect(recheckVerdicts(lie).problems[0]).toMatch(/measured 999 gives fail, results\.json says pass/);
  });

  it('a platform criterion\'s actual must be what results.json\'s own samples of that server give', () => {
    const rest = { memUsedPct: 10, memUsedBytes: 1, netRxBytesPerSec: 0, netTxBytesPerSec: 0 };
    const sample = (tMs: number, cpuPct: number | null) => ({ tMs, cpuPct, ...rest });
    const app1 = { samples: [sample(0, null), sample(1000, 30), sample(2000, 70)] };
    const platform = { intervalMs: 1000, timeoutMs: 500, rawFile: 'platform.jsonl', instances: { app1 } };
    const withCpu = (actual: number | null, pass: boolean, instance = 'app1') => ({
      ...base, platform, verdict: pass ? 'passed' : 'failed',
      criteria: [{ criterion: 'max<80', metric: `platform_cpu_pct{instance:${instance}}`, actual, pass, step: null }],
    }) as unknown as Results;
    expect(recheckVerdicts(withCpu(70, true)).problems).toEqual([]);
    expect(recheckVerdicts(withCpu(null, false, 'gone')).problems).toEqual([]);
    expect(recheckVerdicts(withCpu(50, true)).problems).toEqual([
      'criteria[0] platform_cpu_pct{instance:app1} max<80: results.json platform samples give 70, the criterion says 50',
    ]);
    expect(recheckVerdicts(withCpu(10, true, 'gone')).problems[0]).toMatch(/samples give null, the criterion says 10/);
  });

  it('takes the search criterion certified_capacity as a plain comparison', () => {
    const s = { ...base, criteria: [{ criterion: '>=1200', metric: 'certified_capacity', actual: 1100, pass: false }], verdict: 'failed' } as unknown as Results;
    expect(recheckVerdicts(s)).toEqual({ problems: [], verdict: 'failed' });
  });
});

describe('licence rows from HTTP evidence', () => {
  const base = {
    state: 'finished', valid: true, interrupted: false, invalidReasons: [], verdict: 'passed', target: { embedded: false }, criteria: [], search: null, abortedBy: null,
    summary: {
      concurrency: { sustained: null, peak: 0, target: null }, calls: { attempted: 0, answered: 0, failed: 0 },
      outbound: null, httpFlows: {},
    },
  } as unknown as Results;
  const withFlows = (steps: Record<string, unknown>, outbound: unknown = null) =>
    ({
      ...base,
      summary: { ...base.summary, outbound, httpFlows: { f: { started: 1, completed: 1, failed: 0, blocked: 0, flowMs: null, steps } } },
    }) as unknown as Results;
  const row = (r: Results, en: RegExp) => licenceRows(r, runStatus(r)).find((x) => en.test(x.requirement.en))!;

  it('recording: not tested without a recording step; met only with successful 2xx fetches, and says the audio was not checked', () => {
    expect(row(withFlows({ login: { count: 3, latencyMs: null, statusCodes: { 201: 3 }, errors: {} } }), /recording/i).state).toBe('not-tested');
    const ok = row(withFlows({ recording: { count: 4, latencyMs: null, statusCodes: { 200: 4 }, errors: {} } }), /recording/i);
    expect(ok.state).toBe('met');
    expect(ok.requirement.en).toBe('Call recording: recording metadata retrievable via the API');
    expect(ok.evidence.en).toBe('flow f step recording: 4 of 4 succeeded (4 2xx responses), 0 errors; the audio itself was not checked');
    const bad = row(withFlows({ recording: { count: 4, latencyMs: null, statusCodes: { 200: 3, 404: 1 }, errors: { timeout: 1 } } }), /recording/i);
    expect(bad.state).toBe('not-met');
    expect(bad.evidence.en).toContain('3 of 4 succeeded (3 2xx responses), 1 errors');
  });

  it('outbound: met only when answered calls can be matched to the API requests, and no call failed', () => {
    const ob = (calls: Record<string, number>) => ({
      calls: { offered: 5, answered: 5, completed: 5, failed: 0, uncorrelated: 0, ...calls },
      concurrency: { peak: 2, sustained: 1 },
      dialLatencyMs: {},
    });
    expect(row(withFlows({}, ob({})), /^Outbound calls$/).state).toBe('met');
    expect(row(withFlows({}, ob({ failed: 1 })), /^Outbound calls$/).state).toBe('not-met');
    expect(row(withFlows({}, ob({ uncorrelated: 5 })), /^Outbound calls$/).state).toBe('not-met');
    expect(row(withFlows({}, ob({ offered: 0, answered: 0, completed: 0 })), /^Outbound calls$/).state).toBe('not-tested');
  });
});

describe('capacity search: certified sentence and curve', () => {
  const step = (level: number, pass: boolean, p95: number, ser: number) => ({
    level, pass, sustained: level, peak: level, setupMs: { p95 }, ser, attempted: 10, failed: pass ? 0 : 1,
  });
  const search = {
    certifiedCapacity: 1200, failedStep: 1400, stoppedBy: 'criterion', require: 1000,
    failingCriterion: { criterion: '>=0.999', metric: 'ser', actual: 0.9893238434163701 },
    steps: [step(1000, true, 0.439, 1), step(1200, true, 0.424, 1), step(1400, false, 0.31, 0.9893238434163701)],
  };

  it('states the figure and the failing step with the numbers as recorded', () => {
    const s = certifiedSentence(search);
    expect(s.en).toBe('Verified capacity: 1200 channels; step 1400 failed ser >=0.999 (actual 0.9893238434163701); required ≥ 1000: met.');
    expect(s.zh).toBe('验证容量：1200 路；台阶 1400 未满足 ser >=0.999（实测 0.9893238434163701）；要求 ≥ 1000：满足。');
    expect(certifiedSentence({
      ...search, certifiedCapacity: null, failedStep: 1000, require: null, steps: [step(1000, false, 1, 0.5)],
    }).en)
      .toBe('Verified capacity: none (no step passed); step 1000 failed ser >=0.999 (actual 0.9893238434163701).');
    expect(certifiedSentence({ ...search, failingCriterion: null, failedStep: null, stoppedBy: 'ceiling', require: null }).en)
      .toBe('Verified capacity: 1200 channels; every step up to the ceiling passed (capacity at least this).');
    const why = 'generator saturated: RTP send slip p99 16.5 ms > 10 ms (the jitter measured would be callcert\'s own)';
    const host = certifiedSentence({ ...search, failingCriterion: null, stoppedBy: 'generator', generatorLimit: 1400, generatorSaturatedBy: [why] });
    expect(host.en).toBe(
      `Verified capacity: 1200 channels; at step 1400 the generator saturated (${why}) and the search stopped: this is the generator host's limit, ` +
        "not the platform's — the platform's capacity is at least the verified figure; required ≥ 1000: met.",
    );
    expect(host.zh).toContain('台阶 1400 负载发生器饱和');
  });

  it('plots setup p95 (left) and SER (right) per level, marks failed steps, the certified level and the SER limit', () => {
    const r = { search, criteria: [{ metric: 'ser', criterion: '>=0.999' }, { metric: 'setup_ms', criterion: 'p(95)<800' }] } as unknown as Results;
    const spec = capacitySpec(r)!;
    const [setup, ser, ...rest] = spec.series;
    expect(setup.data).toEqual([{ x: 1000, y: 0.439 }, { x: 1200, y: 0.424 }, { x: 1400, y: 0.31 }]);
    expect(ser.data.map((p) => p.y)).toEqual([1, 1, 0.9893238434163701]);
    expect(ser.axis).toBe('y2');
    expect(setup.points?.style).toEqual(['circle', 'circle', 'crossRot']);
    // The 800 ms limit is far above sub-millisecond points: not drawn; the SER limit is.
    expect(rest.map((s) => (typeof s.label === 'string' ? s.label : s.label.en))).toEqual(['SER criterion >=0.999', 'certified 1200']);
    expect(rest[1].data.map((p) => p.x)).toEqual([1200, 1200]);
  });
});

describe('media evidence', () => {
  const rec = { source: 'directory', checked: 10, answered: 20, valid: 9, completeness: 0.9, failures: { missing: 1 }, toleranceMs: 1000, sample: 10 };
  const media = (over: Record<string, unknown> = {}) => ({
    codec: 'pcma', calls: { withMedia: 20, oneWayAudio: 0, crossedMedia: 0 }, mosCqe: { p5: 4.1 }, lossRatioPerCall: { p95: 0.002 }, ...over,
  });
  const base = {
    state: 'finished', valid: true, interrupted: false, invalidReasons: [], verdict: 'passed', target: { embedded: false }, search: null, abortedBy: null,
    criteria: [{ criterion: 'p(5)>=4.0', metric: 'mos_cqe', actual: 4.1, pass: true }],
    summary: {
      calls: { answered: 20 }, concurrency: { sustained: 20, peak: 20, target: 20 }, outbound: null, httpFlows: {}, media: media(),
    },
  } as unknown as Results;
  const row = (r: Results, en: RegExp, recordings: unknown = null) =>
    licenceRows(r, runStatus(r), recordingsFrom(recordings)).find((x) => en.test(x.requirement.en))!;

  it('reads summary.recordings only when it has the probe\'s shape', () => {
    expect(recordingsFrom(rec)).toEqual(rec);
    for (const bad of [null, [], { ...rec, source: 'ftp' }, { ...rec, valid: 11 }, { ...rec, completeness: 1.2 }, { ...rec, checked: -1 },
      { ...rec, failures: { x: 0.5 } }, { ...rec, sample: 'all' }, { ...rec, toleranceMs: undefined }]) {
      expect(recordingsFrom(bad), JSON.stringify(bad)).toBeNull();
    }
    // Not declared by the schema yet: the parsed document lacks it, the bytes have it.
    const bytes = Buffer.from(JSON.stringify({ summary: { recordings: rec } }));
    expect(recordingsOf(base, bytes)).toEqual(rec);
    expect(recordingsOf(base, Buffer.from('{"summary":{}}'))).toBeNull();
  });

  it('voice channels: met with media on every answered call and its criteria passed; not met on one-way audio or a failed media criterion', () => {
    const ok = row(base, /^Voice:/);
    expect(ok.state).toBe('met');
    expect(ok.evidence.en).toBe('pcma: 20 of 20 answered calls carried media, 0 one-way audio, 0 crossed media; MOS-CQE p5 4.1, per-call loss ratio p95 0.002; media criteria mos_cqe p(5)>=4.0: pass');
    const oneWayMedia = media({ calls: { withMedia: 20, oneWayAudio: 1, crossedMedia: 0 } });
    const oneWay = { ...base, summary: { ...base.summary, media: oneWayMedia } } as unknown as Results;
    expect(row(oneWay, /^Voice:/).state).toBe('not-met');
    const failed = { ...base, verdict: 'failed', criteria: [{ criterion: 'p(5)>=4.2', metric: 'mos_cqe', actual: 4.1, pass: false }] } as unknown as Results;
    expect(row(failed, /^Voice:/).state).toBe('not-met');
    const none = { ...base, criteria: [], verdict: 'not_judged', summary: { ...base.summary, media: null } } as unknown as Results;
    expect(row(none, /^Voice:/)).toMatchObject({ state: 'not-tested', evidence: { en: 'signalling only: the run carried no media' } });
  });

  it('recording: measured by the probe when summary.recordings is there; a recording_completeness criterion decides, else every checked call must be valid', () => {
    expect(row(base, /^Call recording/).state).toBe('not-tested');
    const partial = row(base, /^Call recording/, rec);
    expect(partial.state).toBe('not-met');
    expect(partial.evidence.en).toBe('directory, 10 of 20 answered calls checked (sample of 10), 9 valid, completeness 0.9, duration tolerance 1000.0 ms, failures missing×1; no criterion: every checked call must have a valid recording');
    expect(row(base, /^Call recording/, { ...rec, valid: 10, completeness: 1, failures: {} }).state).toBe('met');
    const crit = { ...base, criteria: [...base.criteria, { criterion: '>=0.9', metric: 'recording_completeness', actual: 0.9, pass: true }] } as unknown as Results;
    expect(row(crit, /^Call recording/, rec).state).toBe('met');
    expect(row({ ...base, valid: false, verdict: 'invalid', invalidReasons: ['x'] } as unknown as Results, /^Call recording/, { ...rec, valid: 10, completeness: 1 }).state).toBe('met-run-invalid');
    expect(row(base, /^Call recording/, { ...rec, checked: 0, valid: 0 }).state).toBe('not-tested');
  });

  it('MOS histogram: bands of 0.1 on the recorded 3 decimals, 4.5 in the last band, the range widened down to the lowest call', () => {
    const pts = [4.41, 4.4, 4.5, 4.399, 2.05].map((mosCqe) => ({ mosCqe }));
    const h = mosHistogramSpec(pts)!;
    expect(h.labels[0]).toBe('2.0–2.1');
    expect(h.labels.at(-1)).toBe('4.4–4.5');
    const at = (band: string) => h.values[h.labels.indexOf(band)];
    expect([at('2.0–2.1'), at('4.3–4.4'), at('4.4–4.5')]).toEqual([1, 1, 3]);
    expect(h.values.reduce((a, b) => a + b, 0)).toBe(5);
    expect(mosHistogramSpec([{ mosCqe: null }])).toBeNull();
  });
});

/** A timeline second with media as aggregate.ts writes it (engine/worker/media-live.ts's figures). */
const mediaSecond = (t: number, streams: number, mos: number | null) => ({
  t, active: streams,
  media: { streams, packetsSent: 50 * streams, packetsReceived: 50 * streams, expected: 50 * streams, lost: 0,
    lossRatio: streams > 0 ? 0 : null, jitterMsP95: streams > 0 ? 0.4 : null, mosCqeP5: mos, mosCqeP50: mos, sendSlipMsP99: 0.2 },
});
const withTimeline = (timeline: unknown[]) => ({ timeline } as unknown as Results);

describe('per-second media charts', () => {
  const spec = (n: number) => mosTimelineSpec(withTimeline(Array.from({ length: n }, (_, i) => mediaSecond(i + 1, 2, 4.4))))!;
  type Ds = { data: unknown[]; showLine: boolean; pointRadius: number };
  const ds = (n: number, buckets: number) => (chartConfig(spec(n), 'en', buckets) as { data: { datasets: Ds[] } }).data.datasets[0];

  it('are lines with markers up to MAX_DOTS points and bare lines beyond, in every format', () => {
    expect(ds(MAX_DOTS, 4000)).toMatchObject({ showLine: true, pointRadius: 2 });
    expect(ds(MAX_DOTS + 1, 4000)).toMatchObject({ showLine: true, pointRadius: 0 });
    // Decimated to few buckets (the PDF's budget): markers again, each an interval's lowest or highest second.
    expect(ds(10_000, 100).data.length).toBeLessThanOrEqual(200);
    expect(ds(10_000, 100)).toMatchObject({ pointRadius: 2 });
  });

  it('leave a gap, not a zero, for a second without a sampled stream or without media; channels on the second axis', () => {
    const r = withTimeline([{ t: 1, active: 0 }, mediaSecond(2, 0, null), mediaSecond(3, 3, 4.39)]);
    const [p5, p50, active] = mosTimelineSpec(r)!.series;
    expect(p5.data).toEqual([{ x: 1, y: null }, { x: 2, y: null }, { x: 3, y: 4.39 }]);
    expect(p50.data.map((p) => p.y)).toEqual([null, null, 4.39]);
    expect(active).toMatchObject({ axis: 'y2', data: [{ x: 1, y: 0 }, { x: 2, y: 0 }, { x: 3, y: 3 }] });
    const [jitter, slip, loss] = mediaQualityTimelineSpec(r)!.series;
    expect(jitter.data.map((p) => p.y)).toEqual([null, null, 0.4]);
    expect(slip.data.map((p) => p.y)).toEqual([null, 0.2, 0.2]);
    expect(loss).toMatchObject({ axis: 'y2', data: [{ x: 1, y: null }, { x: 2, y: null }, { x: 3, y: 0 }] });
    // A timeline written before timeline[].media: nothing to draw per second.
    expect(mosTimelineSpec(withTimeline([{ t: 1, active: 2 }]))).toBeNull();
    expect(mediaQualityTimelineSpec(withTimeline([{ t: 1, active: 2 }]))).toBeNull();
  });
});

describe('the whole-file seal\'s pieces', () => {
  it('DER: OIDs encode and decode (multi-byte arcs), SET OF is in DER order', () => {
    expect(oid('1.2.840.113549.1.9.16.2.47').toString('hex')).toBe('060b2a864886f70d010910022f');
    expect(oidString(readDer(oid('2.16.840.1.101.3.4.2.1')).content)).toBe('2.16.840.1.101.3.4.2.1');
    expect(setOf(Buffer.from('0401ff', 'hex'), Buffer.from('020100', 'hex')).toString('hex')).toBe('3106020100' + '0401ff');
  });

  it('a /ByteRange must cover the whole file but exactly the dictionary\'s own hex string', () => {
    const dict = (br: string, hex: string) => `<< /ByteRange ${br} /SHA256 <${hex}> >>`;
    const file = (br: string, hex = 'ab') => {
      const body = `%PDF-1.3\n1 0 obj\n${dict(br, hex)}\nendobj\n%%EOF\n`;
      return { bytes: Buffer.from(body, 'latin1'), body };
    };
    // Find the offsets of a two-hex-digit hole, then build the file with the right numbers (same width).
    const probe = file('[0 00 00 00]').body;
    const a = probe.indexOf('/SHA256 <') + 8;
    const b = a + 4;
    const ok = file(`[0 ${a} ${b} ${probe.length - b}]`);
    const seal = readByteRangeSeal(ok.bytes, dict(`[0 ${a} ${b} ${probe.length - b}]`, 'ab'), '/SHA256');
    expect(seal.value.toString('hex')).toBe('ab');
    expect(() => readByteRangeSeal(Buffer.concat([ok.bytes, Buffer.from('x')]), dict(`[0 ${a} ${b} ${probe.length - b}]`, 'ab'), '/SHA256')).toThrow(/does not cover the whole/);
    expect(() => readByteRangeSeal(ok.bytes, dict(`[0 ${a - 2} ${b} ${probe.length - b}]`, 'ab'), '/SHA256')).toThrow(/which are not the \/SHA256 hex string/);
  });
});
