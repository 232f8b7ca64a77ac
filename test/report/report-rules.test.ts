/**
 * The rules that keep a report from being rejected on sight (issue part 7): a simulator run is marked and its
 * licence rows are not applicable; licence mode refuses the simulator and an empty identity; the title says
 * 压力测试 only with an overload stage; Little's law over the hold window; times in the report's zone with offset.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { licenceRows } from '../../src/report/licence.js';
import { checkLicenceMode, dateIn, defaultMeta, loadMeta, timeIn, type ReportMeta } from '../../src/report/meta.js';
import type { ReportModel } from '../../src/report/model.js';
import { hasOverloadStage, isLoopbackTarget, littleOverHold, reportTitle, stageRates, testKind } from '../../src/report/run-kind.js';
import { LICENCE_LABEL, fmtMs, verdictText } from '../../src/report/sections.js';
import type { Results } from '../../src/results/summary.js';

const dir = mkdtempSync(path.join(tmpdir(), 'callcert-rules-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SHA = 'ab'.repeat(32);

/** A closed 0→1000 in 60 s, hold 1000 for 60 s run: 20 s hold, arrivals 16.7→50/s over the ramp, 50/s in the hold. */
function run(over: { embedded?: boolean; stages?: Array<{ durationMs: number; target: number }>; model?: 'open' | 'closed'; uri?: string } = {}): Results {
  const timeline = Array.from({ length: 120 }, (_, i) => {
    const t = i + 1;
    const rate = t <= 60 ? Math.round((t / 60) * 50) : 50;
    return { t, attempts: rate, answers: rate };
  });
  const answers = timeline.reduce((a, p) => a + p.answers, 0);
  const cpsAnswered = Math.round((answers / 120) * 1000) / 1000;
  return {
    state: 'finished', valid: true, interrupted: false, invalidReasons: [], verdict: 'passed', search: null, abortedBy: null,
    target: { embedded: over.embedded ?? false, uri: over.uri ?? 'sip:ivr@10.0.0.5:5060', transport: 'udp' },
    scenario: { model: over.model ?? 'closed', stages: over.stages ?? [{ durationMs: 60_000, target: 1000 }, { durationMs: 60_000, target: 1000 }] },
    criteria: [{ criterion: '>=1000', metric: 'concurrency_sustained', actual: 1000, pass: true }],
    timeline,
    summary: {
      concurrency: {
        sustained: 1000, peak: 1001, target: 1000, sustainedWindowMs: [61_000, 120_000],
        littlesLawExpected: Math.round(cpsAnswered * 20 * 1000) / 1000,
      },
      cps: { answered: cpsAnswered },
      calls: { attempted: answers, answered: answers, failed: 0 },
      outbound: null, httpFlows: {},
    },
  } as unknown as Results;
}

const model = (r: Results): ReportModel => ({ results: r, status: 'passed' }) as unknown as ReportModel;
const meta = (over: Partial<ReportMeta> = {}): ReportMeta => ({ ...defaultMeta(SHA, new Date(), 'UTC'), ...over });

describe('a run against the embedded simulator', () => {
  it('every licence row is 不适用, never 符合; the verdict is 自检完成（不适用于许可）', () => {
    const r = run({ embedded: true });
    const rows = licenceRows(r, 'passed');
    expect(rows.length).toBeGreaterThan(5);
    expect(rows.every((x) => x.state === 'not-applicable')).toBe(true);
    expect(rows[0].evidence.zh).toMatch(/^对象为 callcert 内置模拟呼叫中心，不构成对任何平台的证据（持续并发 1000/);
    expect(LICENCE_LABEL['not-applicable'].zh).toBe('不适用');
    expect(verdictText(model(r)).text.zh).toBe('自检完成（不适用于许可）');
    expect(verdictText(model(run())).text.zh).toBe('通过');
  });

  it('against a real target the channel row is 符合 and the inbound row counts the run\'s own calls', () => {
    const rows = licenceRows(run(), 'passed');
    expect(rows[0].state).toBe('met');
    expect(LICENCE_LABEL.met.zh).toBe('符合');
    const inbound = rows.find((x) => x.requirement.zh.startsWith('呼入业务'))!;
    expect(inbound.state).toBe('met');
    expect(inbound.evidence.zh).toMatch(/^呼入 \d+ 次，应答 \d+ 次，失败 0 次；IVR 流程与坐席接续未测试$/);
  });
});

describe('licence mode (report.yaml mode: licence)', () => {
  const full = { name: '智能客服平台', version: '3.2.1', vendor: '某某科技有限公司', deployment: '自建' };
  it('refuses the embedded simulator as the report\'s object, naming the file and field', () => {
    const m = meta({ mode: 'licence', system: full, source: '/x/report.yaml' });
    expect(() => checkLicenceMode(m, { embedded: true, uri: 'sip:ivr@127.0.0.1' })).toThrow(/\/x\/report\.yaml: mode: licence refuses this run: its target was callcert's embedded simulated call centre/);
  });

  it('refuses an empty system identity, naming the missing field', () => {
    const target = { embedded: false, uri: 'sip:ivr@10.0.0.5' };
    expect(() => checkLicenceMode(meta({ mode: 'licence', source: '/x/report.yaml' }), target)).toThrow(/\/x\/report\.yaml: system\.name: expected a non-empty string/);
    expect(() => checkLicenceMode(meta({ mode: 'licence', system: { ...full, vendor: null }, source: '/x/report.yaml' }), target)).toThrow(/system\.vendor: expected a non-empty string/);
    expect(() => checkLicenceMode(meta({ mode: 'licence', system: full }), target)).not.toThrow();
    // Demo mode (the default) takes any run.
    expect(() => checkLicenceMode(meta(), { embedded: true, uri: 'sip:ivr@127.0.0.1' })).not.toThrow();
  });

  it('report.yaml reads mode, the identity fields and the time zone; a wrong mode or zone is an error naming the field', async () => {
    const f = path.join(dir, 'report.yaml');
    writeFileSync(f, 'mode: licence\ntimeZone: Asia/Shanghai\nratedChannels: 1200\nsystem: { name: P, version: "1", vendor: V, deployment: 自建 }\n');
    const m = await loadMeta(f, SHA, new Date('2026-12-02T17:46:31Z'));
    expect(m).toMatchObject({ mode: 'licence', timeZone: 'Asia/Shanghai', ratedChannels: 1200, date: '2026-12-03', system: { vendor: 'V', deployment: '自建' } });
    writeFileSync(f, 'mode: audit\n');
    await expect(loadMeta(f, SHA)).rejects.toThrow(/report\.yaml: mode: expected demo or licence/);
    writeFileSync(f, 'timeZone: Mars/Olympus\n');
    await expect(loadMeta(f, SHA)).rejects.toThrow(/report\.yaml: timeZone: expected an IANA time zone/);
  });
});

describe('third-party identity (report.yaml)', () => {
  it('defaults: category 委托测试, objections within 15 days, no address, contact, location or receipt date', async () => {
    const f = path.join(dir, 'identity.yaml');
    writeFileSync(f, 'lab: L\n');
    expect(await loadMeta(f, SHA)).toMatchObject({ category: '委托测试', objectionDays: 15, labAddress: null, labContact: null, testLocation: null, receiptDate: null });
    writeFileSync(f, 'receiptDate: 30.11.2026\n');
    await expect(loadMeta(f, SHA)).rejects.toThrow(/identity\.yaml: receiptDate: expected a date YYYY-MM-DD/);
  });

  it('accreditation marks: CMA/CNAS with their numbers, an image beside report.yaml; a missing image or scheme is an error naming the field', async () => {
    const f = path.join(dir, 'marks.yaml');
    writeFileSync(path.join(dir, 'cma.png'), Buffer.from('89504e470d0a1a0a', 'hex'));
    writeFileSync(f, 'accreditation:\n  - { scheme: CMA, number: "2026001234", image: cma.png }\n  - { scheme: CNAS, number: L1234 }\n');
    expect((await loadMeta(f, SHA)).accreditation).toEqual([
      { scheme: 'CMA', number: '2026001234', imageFile: path.join(dir, 'cma.png') },
      { scheme: 'CNAS', number: 'L1234', imageFile: null },
    ]);
    writeFileSync(f, 'accreditation:\n  - { scheme: CMA, number: "1", image: gone.png }\n');
    await expect(loadMeta(f, SHA)).rejects.toThrow(/marks\.yaml: accreditation\.0\.image: expected a PNG or JPEG path relative to report\.yaml, got "gone\.png"/);
    writeFileSync(f, 'accreditation:\n  - { scheme: ISO, number: "1" }\n');
    await expect(loadMeta(f, SHA)).rejects.toThrow(/marks\.yaml: accreditation\.0\.scheme: expected a list of 1 to 4 marks/);
    expect(defaultMeta(SHA).accreditation).toEqual([]);
  });
});

describe('title: 压力测试 only with a stage above the specified capacity', () => {
  it('a run that only reaches 1000 路 is a 负载测试（容量验证）', () => {
    expect(hasOverloadStage(run(), meta())).toBe(false);
    expect(reportTitle(run(), meta()).zh).toBe('呼叫中心系统负载测试（容量验证）报告');
    expect(testKind(run(), meta()).zh).toBe('负载测试（容量验证）');
  });

  it('a stage at 1200 路 over the licence\'s 1000 makes it a 压力测试, unless the declared capacity is higher', () => {
    const stages = [{ durationMs: 60_000, target: 1000 }, { durationMs: 60_000, target: 1000 }, { durationMs: 30_000, target: 1200 }];
    const over = run({ stages });
    expect(reportTitle(over, meta())).toEqual({ zh: '呼叫中心系统压力测试报告', en: 'Call Centre System Stress Test Report' });
    expect(hasOverloadStage(over, meta({ ratedChannels: 2000 }))).toBe(false);
    expect(hasOverloadStage(run(), meta({ ratedChannels: 800 }))).toBe(true);
  });

  it('an open-model run (stages are rates) is never a 压力测试 by its stages', () => {
    expect(hasOverloadStage(run({ model: 'open', stages: [{ durationMs: 60_000, target: 5000 }] }), meta())).toBe(false);
  });
});

describe('figures as printed', () => {
  it('Little\'s law over the hold window gives 1000, where the whole-run rate (ramp included) gives far less', () => {
    const r = run();
    expect(r.summary.concurrency.littlesLawExpected).toBeLessThan(800);
    expect(littleOverHold(r)).toEqual({ expected: 1000, answersPerS: 50, meanHoldS: 20, windowS: 59 });
  });

  it('call rates per stage, not a whole-run average', () => {
    const [ramp, hold] = stageRates(run());
    expect(ramp).toMatchObject({ n: 1, from: 0, target: 1000, startMs: 0, endMs: 60_000 });
    expect(ramp.attemptsPerS).toBeCloseTo(25.4, 0);
    expect(hold).toMatchObject({ n: 2, attemptsPerS: 50, answersPerS: 50 });
  });

  it('times in the report\'s zone with the offset: a Beijing test is not dated the day before', () => {
    expect(timeIn('2026-12-02T17:46:31.498Z', 'Asia/Shanghai')).toBe('2026-12-03 01:46:31 UTC+08:00');
    expect(timeIn('2026-12-02T17:46:31.498Z', 'UTC')).toBe('2026-12-02 17:46:31 UTC+00:00');
    expect(dateIn(new Date('2026-12-02T17:46:31Z'), 'Asia/Shanghai')).toBe('2026-12-03');
  });

  it('milliseconds to 0.1 ms; loopback targets recognised', () => {
    expect([fmtMs(0.804), fmtMs(11.719), fmtMs(null)]).toEqual(['0.8', '11.7', '—']);
    expect(['sip:ivr@127.0.0.1:5060', 'sip:ivr@[::1]:5060', 'sip:a@localhost'].map(isLoopbackTarget)).toEqual([true, true, true]);
    expect(isLoopbackTarget('sip:ivr@10.0.0.5')).toBe(false);
  });
});
