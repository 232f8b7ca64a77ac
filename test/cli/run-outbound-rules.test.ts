/**
 * The outbound-rule probe end to end, through the built CLI, on scenarios/outbound-rules.yaml:
 * two lines each asked for 10 calls 200 ms apart through the embedded CTI API, whose dialer
 * allows one call per 350 ms and 5 a day per line; the probe's limits are 300 ms and 5 a day.
 *
 * - compliant dialer: each line gets exactly 5 calls, every other request (the 1st, 3rd, … 9th,
 *   400 ms apart), the rest refused with 429; every rule reads pass with the measured least
 *   interval and the per-line counts;
 * - `mode: pace` (450 ms): the requests too soon are accepted and placed later — the rule passes,
 *   the report says the excess was paced; the ones over the cap are still refused;
 * - a calling window that excludes now, with the violating dialer: every call outside it, the window
 *   row fails naming the first;
 * - `embedded.dialer.violate: true`: every request is placed, 10 calls per line about 200 ms
 *   apart; the interval and daily-cap rows read fail, naming the line and the two calls closest
 *   together (their Call-IDs, as in outbound-rules.jsonl), and the PDF says so.
 *
 * No timed assertion: the limits compared are the scenario's, the figures come from the UAS.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readResults, report, requireBuiltCli, runCli, tempDir } from '../helpers/cli.js';
import { licenceRows } from '../../src/report/licence.js';
import type { Results } from '../../src/results/summary.js';

/**
 * Against the embedded simulator every licence row is not applicable (the report's simulator rule); the rows'
 * own pass/fail logic is read on the same results as if the target were a platform.
 */
const asPlatform = (r: Results): Results => ({ ...r, target: { ...r.target, embedded: false } });
import type { OutboundRulesResults } from '../../src/results/schema.js';
import { localDayMinute } from '../../src/util/local-time.js';

let root = '';
beforeAll(() => {
  requireBuiltCli();
  root = tempDir('run-outbound-rules');
});
afterAll(() => {
  if (root && !process.env.CALLCERT_KEEP_TMP) rmSync(root, { recursive: true, force: true });
});

/** A shared 2-core machine: generous generator limits, the figures under test are counts and UAS times. */
const GENERATOR = ['--set', 'generator={ maxScheduleSlipMsP99: 200, maxEventLoopLagMsP99: 300 }'];

interface RuleLine { kind: string; line: string; callId: string; atMs: number; status?: number | null }

function records(out: string): RuleLine[] {
  return readFileSync(join(out, 'outbound-rules.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as RuleLine);
}

const rule = (o: OutboundRulesResults, name: string) => o.rules.find((r) => r.rule === name)!;

describe('callcert run scenarios/outbound-rules.yaml', () => {
  it('a compliant dialer: 5 calls per line about 400 ms apart, the excess refused with 429; every row reads pass', async () => {
    const out = join(root, 'compliant');
    const r = await runCli(['run', 'scenarios/outbound-rules.yaml', '--quiet', '--out', out, ...GENERATOR], { timeoutSec: 60 });
    expect(r.code, r.stderr).toBe(0);
    // The end-of-run summary says it too.
    expect(r.stdout).toMatch(/^outbound rules: 10 INVITEs on 2 line\(s\): 95001 5 \(least interval [\d.]+ ms\), 95002 5 .*; 0 call\(s\) broke a limit$/m);
    expect(r.stdout).toMatch(/^ {2}minInterval 300 ms: PASS \(measured [\d.]+; source: scaled-down/m);
    const res = readResults(out);
    const o = res.summary.outboundRules!;
    expect(res.verdict).toBe('passed');
    expect(res.criteria.map((c) => [c.metric, c.criterion, c.actual, c.pass])).toEqual([['outbound_rule_violations', '==0', 0, true]]);
    expect(o.violations).toBe(0);
    report('outbound rules, compliant dialer', { lines: o.lines.map((l) => [l.line, l.calls, l.minIntervalMs, l.requests.answers]), rules: o.rules.map((x) => [x.rule, x.state, x.measured]) });
    expect(o.requests).toBe(20);
    expect(o.invites).toBe(10);
    expect(o.uncorrelatedInvites).toBe(0);
    expect(o.lines.map((l) => [l.line, l.calls, l.maxPerDay, l.outsideWindow, l.requests.sent, l.requests.accepted])).toEqual([
      ['95001', 5, 5, 0, 10, 5],
      ['95002', 5, 5, 0, 10, 5],
    ]);
    for (const l of o.lines) {
      expect(l.requests.answers).toEqual({ '201': 5, '429': 5 });
      expect(l.requests.acceptedWithoutInvite).toBe(0);
      // The dialer keeps 350 ms between the calls of a line; the UAS measured at least the rule's 300 ms.
      expect(l.minIntervalMs!).toBeGreaterThanOrEqual(300);
      expect(l.requests.minIntervalMs!).toBeLessThan(300);
    }
    const interval = rule(o, 'minInterval');
    expect(interval).toMatchObject({ state: 'pass', limit: 300, violation: null });
    expect(interval.measured).toBe(Math.min(...o.lines.map((l) => l.minIntervalMs!)));
    // The 2nd, 4th, … 10th request of a line came 200 ms after its last accepted one: asked too much, refused.
    expect(interval).toMatchObject({ asked: 10, refused: 10, accepted: 0 });
    // The 10th came after the line's 5 accepted ones.
    expect(rule(o, 'maxPerLinePerDay')).toMatchObject({ state: 'pass', measured: 5, asked: 2, refused: 2, accepted: 0 });
    expect(rule(o, 'window')).toMatchObject({ state: 'pass', measured: 0 });
    expect(rule(o, 'maxPerCallee')).toMatchObject({ state: 'pass', measured: 1 });
    expect(o.rules.every((x) => x.source.length > 0)).toBe(true);

    // The raw evidence: every INVITE with its line, every originate with the API's answer.
    const recs = records(out);
    expect(recs.filter((x) => x.kind === 'invite')).toHaveLength(10);
    expect(recs.filter((x) => x.kind === 'request' && x.status === 429)).toHaveLength(10);

    expect(licenceRows(res, 'not_judged').filter((x) => x.requirement.en.startsWith('Outbound-calling rules')).map((x) => x.state))
      .toEqual(['not-applicable', 'not-applicable', 'not-applicable', 'not-applicable']);
    const rows = licenceRows(asPlatform(res), 'not_judged').filter((x) => x.requirement.en.startsWith('Outbound-calling rules'));
    expect(rows.map((x) => x.state)).toEqual(['met', 'met', 'met', 'met']);
    expect(rows[0].evidence.en).toContain(`limit ≥ 300 ms (source: ${interval.source}); measured least interval ${interval.measured} ms`);
    expect(rows[0].evidence.en).toContain('10 request(s) asked for more than the limit: 10 refused, 0 accepted [201×10 429×10]');
    expect(rows[0].evidence.en).toMatch(/callcert's UAS received 10 INVITEs on 2 line\(s\): 95001 5 calls \(least interval [\d.]+ ms\), 95002 5 calls/);
    expect(rows[1].evidence.en).toContain('at most 5 calls of one line in a day (95001 5, 95002 5)');
  });

  it('a pacing dialer: the requests too soon are accepted and placed later, the rule still passes (paced); over the cap, 429', async () => {
    const out = join(root, 'pacing');
    const r = await runCli(
      ['run', 'scenarios/outbound-rules.yaml', '--quiet', '--out', out, '--set', 'embedded.dialer.mode=pace', '--set', 'embedded.dialer.minInterval=450ms', ...GENERATOR],
      { timeoutSec: 60 },
    );
    expect(r.code, r.stderr).toBe(0);
    const o = readResults(out).summary.outboundRules!;
    report('outbound rules, pacing dialer', { lines: o.lines.map((l) => [l.line, l.calls, l.minIntervalMs, l.requests.answers]) });
    // The first five requests of a line accepted (four of them paced), the next five over the daily cap.
    expect(o.lines.map((l) => [l.line, l.calls, l.requests.answers, l.requests.acceptedWithoutInvite])).toEqual([
      ['95001', 5, { '201': 5, '429': 5 }, 0],
      ['95002', 5, { '201': 5, '429': 5 }, 0],
    ]);
    for (const l of o.lines) expect(l.minIntervalMs!).toBeGreaterThanOrEqual(300);
    // Too soon after the line's last accepted request: the 2nd to 5th (accepted, paced) and the 6th (refused: over the cap).
    expect(rule(o, 'minInterval')).toMatchObject({ state: 'pass', asked: 10, accepted: 8, refused: 2 });
    const row = licenceRows(asPlatform(readResults(out)), 'passed').find((x) => x.requirement.en.includes('least interval'))!;
    expect(row.state).toBe('met');
    expect(row.evidence.en).toContain('10 request(s) asked for more than the limit: 2 refused, 8 accepted (paced)');
  });

  it('calls outside the calling window: the window row reads fail naming the first calls and their local time', async () => {
    // A window that excludes now (Shanghai time): from two to three hours ahead.
    const { minute } = localDayMinute(Date.now(), 'Asia/Shanghai');
    const hhmm = (m: number) => `${String(Math.floor((m % 1440) / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
    const win = `{ from: "${hhmm(minute + 120)}", to: "${hhmm(minute + 180)}", tz: Asia/Shanghai`;
    const out = join(root, 'window');
    const r = await runCli(
      [
        'run', 'scenarios/outbound-rules.yaml', '--quiet', '--out', out, '--set', 'embedded.dialer.violate=true',
        '--set', `outboundRules.window=${win}, source: "test window" }`, '--set', `embedded.dialer.window=${win} }`, ...GENERATOR,
      ],
      { timeoutSec: 60 },
    );
    expect(r.code, r.stderr).toBe(1);
    const o = readResults(out).summary.outboundRules!;
    const w = rule(o, 'window');
    expect(w).toMatchObject({ state: 'fail', measured: 20, violations: 20, asked: 20, accepted: 20, source: 'test window' });
    expect(o.lines.map((l) => l.outsideWindow)).toEqual([10, 10]);
    const first = records(out).filter((x) => x.kind === 'invite').sort((a, b) => a.atMs - b.atMs)[0];
    expect(w.violation!.calls[0].callId).toBe(first.callId);
    const row = licenceRows(asPlatform(readResults(out)), 'failed').find((x) => x.requirement.en.includes('calling window'))!;
    expect(row.state).toBe('not-met');
    expect(row.evidence.en).toContain(`; broken: 20 call(s) outside the window, first by line ${first.line} (${first.callId} @ ${w.violation!.calls[0].local} Asia/Shanghai`);
  });

  it('a violating dialer: 10 calls per line; the rows read fail naming the line and the two calls closest together', async () => {
    const out = join(root, 'violating');
    const r = await runCli(
      ['run', 'scenarios/outbound-rules.yaml', '--quiet', '--out', out, '--set', 'embedded.dialer.violate=true', '--report', ...GENERATOR],
      { timeoutSec: 90 },
    );
    // The scenario's criterion outbound_rule_violations ==0 fails: exit 1.
    expect(r.code, r.stderr).toBe(1);
    const res = readResults(out);
    const o = res.summary.outboundRules!;
    expect(res.verdict).toBe('failed');
    expect(res.criteria.map((c) => [c.metric, c.actual, c.pass])).toEqual([['outbound_rule_violations', o.violations, false]]);
    report('outbound rules, violating dialer', { lines: o.lines.map((l) => [l.line, l.calls, l.minIntervalMs]), rules: o.rules.map((x) => [x.rule, x.state, x.measured, x.violation?.line]) });
    expect(o.lines.map((l) => [l.line, l.calls, l.requests.answers])).toEqual([
      ['95001', 10, { '201': 10 }],
      ['95002', 10, { '201': 10 }],
    ]);
    const interval = rule(o, 'minInterval');
    expect(interval.state).toBe('fail');
    expect(interval.measured!).toBeLessThan(300);
    const v = interval.violation!;
    const worst = o.lines.find((l) => l.line === v.line)!;
    expect(worst.minIntervalMs).toBe(interval.measured);
    expect(v.calls).toEqual(worst.closest);
    // The two calls named are two consecutive INVITEs of that line in outbound-rules.jsonl, that far apart.
    const ofLine = records(out).filter((x) => x.kind === 'invite' && x.line === v.line).sort((a, b) => a.atMs - b.atMs);
    const k = ofLine.findIndex((x) => x.callId === v.calls[0].callId);
    expect(ofLine[k + 1].callId).toBe(v.calls[1].callId);
    expect(Math.round((ofLine[k + 1].atMs - ofLine[k].atMs) * 1000) / 1000).toBeCloseTo(interval.measured!, 2);
    expect(interval).toMatchObject({ asked: 18, accepted: 18, refused: 0 });
    expect(rule(o, 'maxPerLinePerDay')).toMatchObject({ state: 'fail', measured: 10, asked: 10, accepted: 10, refused: 0, violations: 10, violation: { count: 10 } });
    // Calls 200 ms apart: up to 9 per line too soon (a stall may stretch a gap past 300 ms), 5 per line over the cap.
    expect(interval.violations).toBeGreaterThan(0);
    expect(interval.violations).toBeLessThanOrEqual(18);
    expect(o.violations).toBe(o.rules.reduce((n, x) => n + x.violations, 0));

    const rows = licenceRows(asPlatform(res), 'not_judged').filter((x) => x.requirement.en.startsWith('Outbound-calling rules'));
    expect(rows.map((x) => x.state)).toEqual(['not-met', 'not-met', 'met', 'met']);
    expect(rows[0].evidence.en).toContain(
      `broken by line ${v.line}: its two calls closest together ${v.calls[0].callId} @ ${v.calls[0].local} Asia/Shanghai / ${v.calls[1].callId} @ ${v.calls[1].local} Asia/Shanghai`,
    );
    // The PDF's licence table says the same.
    const text = execFileSync('pdftotext', [join(out, 'report.pdf'), '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
    expect(text).toContain(`broken by line ${v.line}`);
    expect(text).toContain(v.calls[0].callId);
  });
});
