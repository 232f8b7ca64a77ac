/**
 * The outbound-rule probe: the scenario section (limits each with a source, errors naming file,
 * field and expectation), the evaluation of outbound-rules.jsonl records (per line the least
 * interval and the two calls closest together, counts per calendar day in tz, calls outside the
 * window, per callee; what the API did with requests over a limit), the embedded dialer's
 * decisions on an injected clock, and how an INVITE's calling line is read (P-Asserted-Identity
 * over From).
 */
import { describe, expect, it } from 'vitest';
import { scenarioIssues, type RawScenario } from '../helpers/scenario-issues.js';
import { scenarioFromObject } from '../../src/scenario/load.js';
import { normalizeOutboundRules, type OutboundRulesSpec } from '../../src/scenario/outbound-rules.js';
import { evaluateOutboundRules, parseRuleRecord, type InviteObservation, type RequestObservation } from '../../src/results/outbound-rules.js';
import { DialerLimits } from '../../src/simulator/dialer.js';
import { inWindow, localDayMinute, localTimestamp } from '../../src/util/local-time.js';
import { inviteParties } from '../../src/engine/flow-runs.js';
import { parseDialerFlag } from '../../src/cli/commands/simulate.js';
import { parseMessage } from '../../src/sip/message/parser.js';
import { SipParseError } from '../../src/sip/message/message.js';

const base = (): RawScenario => ({
  name: 'x',
  load: { model: 'open', stages: [{ duration: '1s', target: 1 }, { duration: '2s', target: 1 }] },
  uas: { ring: '0s' },
  http: {
    flows: [{
      name: 'a', vars: { line: '95001' }, stages: [{ duration: '1s', target: 1 }],
      steps: [{ name: 'originate', request: { method: 'POST', url: '/v1/calls', body: { to: '{{uas.uri}}', from: '{{line}}' } } }, { name: 'invite', waitCall: { timeout: '2s' } }],
    }],
  },
});

describe('outboundRules in a scenario', () => {
  it('normalises limits with their sources; the day\'s tz follows the window\'s', () => {
    const s = scenarioFromObject({
      ...base(),
      outboundRules: {
        minInterval: { value: '6s', source: 'carrier contract §3' },
        maxPerLinePerDay: { value: 300, source: 'carrier contract §4' },
        window: { from: '08:00', to: '21:00', tz: 'Asia/Urumqi', source: 'Tencent CCC' },
        maxPerCallee: { value: 5, per: '24h', source: 'Tencent CCC' },
      },
      embedded: { dialer: { minInterval: '7s', maxPerLinePerDay: 200 } },
    }, 'x.yaml');
    expect(s.outboundRules).toEqual({
      lineVar: 'line',
      minIntervalMs: { value: 6000, source: 'carrier contract §3' },
      maxPerLinePerDay: { value: 300, source: 'carrier contract §4' },
      window: { value: { from: '08:00', to: '21:00', fromMin: 480, toMin: 1260, tz: 'Asia/Urumqi' }, source: 'Tencent CCC' },
      maxPerCallee: { value: 5, perMs: 86_400_000, source: 'Tencent CCC' },
      tz: 'Asia/Urumqi',
    });
    expect(s.embedded.dialer).toEqual({ minIntervalMs: 7000, maxPerLinePerDay: 200, window: null, tz: 'Asia/Shanghai', mode: 'refuse', violate: false });
    expect(scenarioFromObject(base(), 'x.yaml').outboundRules).toBeNull();
  });

  it.each<[string, (o: RawScenario) => void, RegExp]>([
    ['a limit without its source', (o) => { o.outboundRules = { minInterval: { value: '6s' } }; }, /x\.yaml: outboundRules\.minInterval\.source: expected a source string/],
    ['an empty source', (o) => { o.outboundRules = { maxPerLinePerDay: { value: 3, source: '' } }; }, /outboundRules\.maxPerLinePerDay\.source: expected a non-empty source string/],
    ['a bad time of day', (o) => { o.outboundRules = { window: { from: '8am', to: '21:00', source: 's' } }; }, /outboundRules\.window\.from: expected a time of day HH:MM \(00:00 to 24:00\), got "8am"/],
    ['an unknown time zone', (o) => { o.outboundRules = { tz: 'Mars/Olympus' }; }, /outboundRules\.tz: expected an IANA time zone such as Asia\/Shanghai, got "Mars\/Olympus"/],
    ['no uas', (o) => { delete o.uas; o.outboundRules = {}; }, /x\.yaml: outboundRules: expected a uas section/],
    ['a dialer with a target', (o) => { o.target = { uri: 'sip:a@127.0.0.1:5060' }; o.embedded = { dialer: { minInterval: '1s' } }; }, /x\.yaml: embedded\.dialer: expected no target/],
    ['a bad dialer mode', (o) => { o.embedded = { dialer: { mode: 'drop' } }; }, /embedded\.dialer\.mode: expected refuse or pace/],
    ['the criterion without the probe', (o) => { o.criteria = { outbound_rule_violations: ['==0'] }; }, /criteria\.outbound_rule_violations: expected an outboundRules section/],
  ])('%s is refused naming the field', (_name, mutate, message) => {
    const found = scenarioIssues(base, mutate);
    expect(found.some((m) => message.test(m)), found.join('\n')).toBe(true);
  });
});

const T0 = Date.UTC(2026, 11, 3, 2, 0, 0); // 10:00 in Asia/Shanghai
const spec = (o: Record<string, unknown>): OutboundRulesSpec => normalizeOutboundRules(o as never)!;
let seq = 0;
const inv = (line: string, atMs: number, callee = `c${seq}`): InviteObservation => ({
  kind: 'invite', w: 0, atMs, callId: `call-${seq++}@h`, line, lineFrom: 'from', callee, flow: 'f', i: seq,
});
const req = (line: string, atMs: number, status: number | null, inviteAtMs: number | null = null): RequestObservation => ({
  kind: 'request', flow: 'f', i: seq++, w: 0, line, atMs, status, cause: null, inviteAtMs,
});

describe('evaluateOutboundRules', () => {
  const limits = {
    minInterval: { value: '300ms', source: 'S1' },
    maxPerLinePerDay: { value: 3, source: 'S2' },
    window: { from: '08:00', to: '21:00', tz: 'Asia/Shanghai', source: 'S3' },
    maxPerCallee: { value: 2, source: 'S4' },
  };

  it('a compliant platform: every rule passes, with the least interval per line and the counts per day', () => {
    const recs = [
      inv('95001', T0), inv('95001', T0 + 450.25), inv('95001', T0 + 1000),
      inv('95002', T0 + 100), inv('95002', T0 + 500),
      // Requests on 95001 every 200 ms: the ones sooner than 300 ms after the previous were refused.
      req('95001', T0 - 5, 201, T0), req('95001', T0 + 195, 429), req('95001', T0 + 395, 201, T0 + 450.25),
      req('95001', T0 + 595, 429), req('95001', T0 + 795, 201, T0 + 1000), req('95001', T0 + 995, 429),
    ];
    const r = evaluateOutboundRules(spec(limits), recs);
    expect(r.invites).toBe(5);
    expect(r.requests).toBe(6);
    expect(r.lines.map((l) => [l.line, l.calls, l.minIntervalMs, l.perDay, l.outsideWindow])).toEqual([
      ['95001', 3, 450.25, { '2026-12-03': 3 }, 0],
      ['95002', 2, 400, { '2026-12-03': 2 }, 0],
    ]);
    expect(r.lines[0].closest!.map((c) => c.atMs)).toEqual([T0, T0 + 450.25]);
    expect(r.lines[0].requests).toEqual({ sent: 6, answers: { '201': 3, '429': 3 }, accepted: 3, acceptedWithoutInvite: 0, minIntervalMs: 200 });
    expect(r.rules.map((x) => [x.rule, x.state, x.measured, x.source])).toEqual([
      ['minInterval', 'pass', 400, 'S1'],
      ['maxPerLinePerDay', 'pass', 3, 'S2'],
      ['window', 'pass', 0, 'S3'],
      ['maxPerCallee', 'pass', 1, 'S4'],
    ]);
    // The requests 200 ms after the line's last accepted one asked for too much: all three were refused.
    expect(r.rules[0]).toMatchObject({ asked: 3, refused: 3, accepted: 0, violation: null });
    expect([r.violations, ...r.rules.map((x) => x.violations)]).toEqual([0, 0, 0, 0, 0]);
  });

  it('a violating platform: the line and the two calls closest together; the call over the cap; the calls outside the window', () => {
    const late = Date.UTC(2026, 11, 3, 13, 30); // 21:30 in Shanghai
    const recs = [
      inv('95001', T0), inv('95001', T0 + 1000), inv('95001', T0 + 1120.5), inv('95001', T0 + 2000),
      inv('95002', T0 + 10), inv('95002', late),
    ];
    const r = evaluateOutboundRules(spec(limits), recs);
    const [interval, cap, window] = r.rules;
    expect(interval.state).toBe('fail');
    expect(interval.measured).toBe(120.5);
    expect(interval.violation).toMatchObject({ line: '95001', calls: [{ callId: recs[1].callId, atMs: T0 + 1000 }, { callId: recs[2].callId, atMs: T0 + 1120.5 }] });
    expect(interval.violation!.calls[0].at).toBe(new Date(T0 + 1000).toISOString());
    expect(interval.violation!.calls[1].local).toBe('2026-12-03 10:00:01.120');
    expect(cap).toMatchObject({ state: 'fail', measured: 4, violation: { line: '95001', day: '2026-12-03', count: 4 } });
    expect(cap.violation!.calls.map((c) => c.callId)).toEqual([recs[2].callId, recs[3].callId]);
    expect(window).toMatchObject({ state: 'fail', measured: 1, violation: { line: '95002', count: 1 } });
    // One call too soon, one over the cap, one outside the window.
    expect([r.violations, ...r.rules.map((x) => x.violations)]).toEqual([3, 1, 1, 1, 0]);
  });

  it('days are calendar days in tz: 23:59 and 00:01 Shanghai are two days', () => {
    const a = Date.UTC(2026, 11, 3, 15, 59); // 23:59 Shanghai
    const r = evaluateOutboundRules(spec({ tz: 'Asia/Shanghai', maxPerLinePerDay: { value: 1, source: 's' } }), [inv('L', a), inv('L', a + 120_000)]);
    expect(r.lines[0].perDay).toEqual({ '2026-12-03': 1, '2026-12-04': 1 });
    expect(r.rules[0].state).toBe('pass');
  });

  it('per callee, in any window of `per`', () => {
    const recs = [inv('A', T0, 'x'), inv('B', T0 + 1000, 'x'), inv('C', T0 + 5000, 'x'), inv('A', T0 + 6000, 'y')];
    const r = evaluateOutboundRules(spec({ maxPerCallee: { value: 2, per: '4s', source: 's' } }), recs);
    expect(r.callees).toEqual({ distinct: 2, top: [{ callee: 'x', calls: 3, maxInWindow: 2 }, { callee: 'y', calls: 1, maxInWindow: 1 }] });
    expect(r.rules[0].state).toBe('pass');
    const all = evaluateOutboundRules(spec({ maxPerCallee: { value: 2, source: 's' } }), recs);
    expect(all.rules[0]).toMatchObject({ state: 'fail', measured: 3, violations: 1, violation: { callee: 'x', count: 3 } });
  });

  it('no INVITE: not tested, whatever the API answered', () => {
    const r = evaluateOutboundRules(spec({ minInterval: { value: '1s', source: 's' } }), [req('A', T0, 429), req('A', T0 + 10, 429)]);
    expect(r.rules[0]).toMatchObject({ state: 'not-tested', measured: null, asked: 0, refused: 0, violations: 0 });
    expect(r.violations).toBeNull();
    expect(r.lines).toEqual([expect.objectContaining({ line: 'A', calls: 0, requests: expect.objectContaining({ sent: 2, answers: { '429': 2 } }) })]);
  });

  it('reads outbound-rules.jsonl lines, skipping what is not a record', () => {
    expect(parseRuleRecord(JSON.stringify(inv('A', T0)))).toMatchObject({ kind: 'invite', line: 'A' });
    expect(parseRuleRecord('{"kind":"other"}')).toBeNull();
    expect(parseRuleRecord('not json')).toBeNull();
  });
});

describe('the embedded dialer', () => {
  const dialer = (o: Record<string, unknown>) => new DialerLimits({
    minIntervalMs: null, maxPerLinePerDay: null, window: null, tz: 'Asia/Shanghai', mode: 'refuse', violate: false, ...o,
  });

  it('refuses a call sooner than the interval (429 min-interval, Retry-After), per line, and the one over the cap', () => {
    const d = dialer({ minIntervalMs: 300, maxPerLinePerDay: 2 });
    expect(d.decide('A', T0)).toEqual({ kind: 'place', delayMs: 0 });
    expect(d.decide('B', T0 + 10)).toEqual({ kind: 'place', delayMs: 0 });
    expect(d.decide('A', T0 + 200)).toMatchObject({ kind: 'refuse', status: 429, rule: 'min-interval', retryAfterS: 1 });
    expect(d.decide('A', T0 + 300)).toEqual({ kind: 'place', delayMs: 0 });
    expect(d.decide('A', T0 + 900)).toMatchObject({ kind: 'refuse', status: 429, rule: 'daily-cap' });
    // The next Shanghai day starts the count again.
    expect(d.decide('A', T0 + 86_400_000)).toEqual({ kind: 'place', delayMs: 0 });
    expect(d.counters).toEqual({ placed: 4, paced: 0, refused: { 'min-interval': 1, 'daily-cap': 1 } });
  });

  it('paces instead of refusing: calls of one line queue behind each other', () => {
    const d = dialer({ minIntervalMs: 300, mode: 'pace' });
    expect(d.decide('A', T0)).toEqual({ kind: 'place', delayMs: 0 });
    expect(d.decide('A', T0 + 100)).toEqual({ kind: 'place', delayMs: 200 });
    expect(d.decide('A', T0 + 150)).toEqual({ kind: 'place', delayMs: 450 });
    expect(d.counters.paced).toBe(2);
  });

  it('refuses outside the window (403); violate: true places everything', () => {
    const w = { from: '08:00', to: '21:00', fromMin: 480, toMin: 1260, tz: 'Asia/Shanghai' };
    const late = Date.UTC(2026, 11, 3, 13, 30);
    expect(dialer({ window: w }).decide('A', late)).toMatchObject({ kind: 'refuse', status: 403, rule: 'outside-window' });
    const v = dialer({ window: w, minIntervalMs: 1000, maxPerLinePerDay: 1, violate: true });
    for (let k = 0; k < 3; k++) expect(v.decide('A', late + k)).toEqual({ kind: 'place', delayMs: 0 });
  });

  it('local days and windows (a window may span midnight)', () => {
    expect(localDayMinute(T0, 'Asia/Shanghai')).toEqual({ day: '2026-12-03', minute: 600 });
    expect(localDayMinute(T0, 'UTC')).toEqual({ day: '2026-12-03', minute: 120 });
    expect(localTimestamp(Date.UTC(2026, 11, 3, 15, 59, 59, 7), 'Asia/Shanghai')).toBe('2026-12-03 23:59:59.007');
    expect(inWindow(600, { fromMin: 480, toMin: 1260 })).toBe(true);
    expect(inWindow(1260, { fromMin: 480, toMin: 1260 })).toBe(false);
    expect(inWindow(30, { fromMin: 1320, toMin: 60 })).toBe(true);
    expect(inWindow(1439, { fromMin: 0, toMin: 1440 })).toBe(true);
  });
});

describe('callcert simulate --dialer', () => {
  it('takes embedded.dialer as a YAML mapping; a bad one is a usage error naming the field', () => {
    expect(parseDialerFlag('{ minInterval: 6s, maxPerLinePerDay: 300, window: { from: "08:00", to: "21:00" }, violate: true }')).toEqual({
      minIntervalMs: 6000, maxPerLinePerDay: 300, window: { from: '08:00', to: '21:00', fromMin: 480, toMin: 1260, tz: 'Asia/Shanghai' },
      tz: 'Asia/Shanghai', mode: 'refuse', violate: true,
    });
    expect(() => parseDialerFlag('{ minInterval: soon }')).toThrow(/^--dialer\.minInterval: /);
    expect(() => parseDialerFlag('{ mode: drop }')).toThrow(/^--dialer\.mode: expected refuse or pace/);
    expect(() => parseDialerFlag('{ a: [')).toThrow(/^--dialer expects a mapping/);
  });
});

describe('the calling line of an INVITE', () => {
  const invite = (extra: string) => {
    const text = 'INVITE sip:cc3@127.0.0.1:5070 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK1\r\n' +
      'From: "Campaign" <sip:95001@127.0.0.1>;tag=1\r\nTo: <sip:13800000000@127.0.0.1>\r\nCall-ID: x@h\r\nCSeq: 1 INVITE\r\n' +
      `Max-Forwards: 70\r\n${extra}Content-Length: 0\r\n\r\n`;
    const m = parseMessage(Buffer.from(text));
    if (m instanceof SipParseError) throw new Error(m.reason);
    return m;
  };

  it('From\'s user, else P-Asserted-Identity\'s (sip: before tel:); the callee is To\'s user', () => {
    expect(inviteParties(invite(''))).toEqual({ line: '95001', lineFrom: 'from', callee: '13800000000' });
    expect(inviteParties(invite('P-Asserted-Identity: <tel:+8610950020;cpc=x>\r\n'))).toEqual({ line: '+8610950020', lineFrom: 'pai', callee: '13800000000' });
    expect(inviteParties(invite('P-Asserted-Identity: <tel:+861095>, "L" <sip:95003@pbx>\r\n')).line).toBe('95003');
  });
});
