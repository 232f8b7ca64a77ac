/**
 * The outbound-rule probe's evaluation (scenario outboundRules → summary.outboundRules), pure:
 * from the raw records of outbound-rules.jsonl — every INVITE callcert's UAS received (its
 * calling line, callee, Call-ID, arrival time) and every originate request the flows sent (the
 * line asked for, the API's answer) — per line the least interval between its calls and the two
 * calls closest together, the count per calendar day, the calls outside the window, per callee
 * the count; each limit judged with its source, and what the API did with the requests that
 * asked for more than a limit allows (refused, or placed and paced).
 *
 * Times are epoch ms (the UAS's clock: an INVITE's arrival, never an API timestamp).
 */
import type { OutboundRulesSpec } from '../scenario/outbound-rules.js';
import { inWindow, localDayMinute, localTimestamp } from '../util/local-time.js';
import type { OutboundRulesResults } from './schema.js';

export interface InviteObservation {
  kind: 'invite';
  w: number;
  atMs: number;
  callId: string;
  line: string;
  lineFrom: 'pai' | 'from';
  callee: string;
  flow: string | null;
  i: number | null;
}

export interface RequestObservation {
  kind: 'request';
  flow: string;
  i: number;
  w: number;
  line: string | null;
  atMs: number;
  status: number | null;
  cause: string | null;
  inviteAtMs: number | null;
}

export type RuleObservation = InviteObservation | RequestObservation;

/** One outbound-rules.jsonl line parsed, or null for a line that is not a record. */
export function parseRuleRecord(line: string): RuleObservation | null {
  try {
    const o = JSON.parse(line) as { kind?: unknown };
    return o !== null && (o.kind === 'invite' || o.kind === 'request') ? (o as RuleObservation) : null;
  } catch {
    return null;
  }
}

type Rules = OutboundRulesResults;
type CallRef = NonNullable<Rules['lines'][number]['closest']>[number];
const round3 = (x: number) => Math.round(x * 1000) / 1000;
const ok2xx = (s: number | null) => s !== null && s >= 200 && s < 300;

/** The most calls in any window of `perMs` (sorted times), or all of them when perMs is null. */
function maxInWindow(times: readonly number[], perMs: number | null): number {
  if (perMs === null) return times.length;
  let best = 0;
  for (let a = 0, b = 0; b < times.length; b++) {
    while (times[b] - times[a] >= perMs) a++;
    best = Math.max(best, b - a + 1);
  }
  return best;
}

export function evaluateOutboundRules(spec: OutboundRulesSpec, records: readonly RuleObservation[]): Rules {
  const invites = records.filter((r): r is InviteObservation => r.kind === 'invite').sort((a, b) => a.atMs - b.atMs);
  const requests = records.filter((r): r is RequestObservation => r.kind === 'request').sort((a, b) => a.atMs - b.atMs);
  const tz = spec.tz;
  const ref = (c: InviteObservation): CallRef => ({
    callId: c.callId, atMs: c.atMs, at: new Date(c.atMs).toISOString(), local: localTimestamp(c.atMs, tz),
  });
  const win = spec.window?.value ?? null;
  const outside = (t: number) => win !== null && !inWindow(localDayMinute(t, win.tz).minute, win);

  const byLine = new Map<string, InviteObservation[]>();
  for (const c of invites) {
    const l = byLine.get(c.line);
    if (l === undefined) byLine.set(c.line, [c]);
    else l.push(c);
  }
  const reqByLine = new Map<string, RequestObservation[]>();
  for (const q of requests) {
    const k = q.line ?? '';
    const l = reqByLine.get(k);
    if (l === undefined) reqByLine.set(k, [q]);
    else l.push(q);
  }

  const lines: Rules['lines'] = [];
  const names = [...new Set([...byLine.keys(), ...[...reqByLine.keys()].filter((k) => k !== '')])].sort();
  for (const line of names) {
    const calls = byLine.get(line) ?? [];
    let min: number | null = null;
    let closest: Rules['lines'][number]['closest'] = null;
    for (let k = 1; k < calls.length; k++) {
      const gap = calls[k].atMs - calls[k - 1].atMs;
      if (min === null || gap < min) {
        min = gap;
        closest = [ref(calls[k - 1]), ref(calls[k])];
      }
    }
    const perDay: Record<string, number> = {};
    for (const c of calls) {
      const d = localDayMinute(c.atMs, tz).day;
      perDay[d] = (perDay[d] ?? 0) + 1;
    }
    const reqs = reqByLine.get(line) ?? [];
    const answers: Record<string, number> = {};
    let minReq: number | null = null;
    for (let k = 0; k < reqs.length; k++) {
      const key = reqs[k].status === null ? 'none' : String(reqs[k].status);
      answers[key] = (answers[key] ?? 0) + 1;
      if (k > 0) minReq = Math.min(minReq ?? Infinity, reqs[k].atMs - reqs[k - 1].atMs);
    }
    lines.push({
      line,
      calls: calls.length,
      viaPai: calls.filter((c) => c.lineFrom === 'pai').length,
      minIntervalMs: min === null ? null : round3(min),
      closest,
      perDay,
      maxPerDay: Math.max(0, ...Object.values(perDay)),
      outsideWindow: calls.filter((c) => outside(c.atMs)).length,
      requests: {
        sent: reqs.length,
        answers,
        accepted: reqs.filter((q) => ok2xx(q.status)).length,
        acceptedWithoutInvite: reqs.filter((q) => ok2xx(q.status) && q.inviteAtMs === null).length,
        minIntervalMs: minReq === null ? null : round3(minReq),
      },
    });
  }

  const byCallee = new Map<string, number[]>();
  for (const c of invites) {
    const l = byCallee.get(c.callee);
    if (l === undefined) byCallee.set(c.callee, [c.atMs]);
    else l.push(c.atMs);
  }
  const perMs = spec.maxPerCallee?.perMs ?? null;
  const callees = [...byCallee].map(([callee, t]) => ({ callee, calls: t.length, maxInWindow: maxInWindow(t, perMs) }))
    .sort((a, b) => b.maxInWindow - a.maxInWindow || a.callee.localeCompare(b.callee));

  const rules: Rules['rules'] = [];
  const tested = invites.length > 0;
  const state = (pass: boolean): Rules['rules'][number]['state'] => (!tested ? 'not-tested' : pass ? 'pass' : 'fail');
  // Requests asking for more than a limit: answered with a non-2xx (refused) or accepted (then placed, paced or not).
  const asked = (over: RequestObservation[]) => ({
    asked: over.length,
    refused: over.filter((q) => q.status !== null && !ok2xx(q.status)).length,
    accepted: over.filter((q) => ok2xx(q.status)).length,
  });

  if (spec.minIntervalMs !== null) {
    const limit = spec.minIntervalMs.value;
    const worst = lines.filter((l) => l.minIntervalMs !== null).sort((a, b) => a.minIntervalMs! - b.minIntervalMs!)[0];
    // A request asks too much when it comes sooner than the limit after the line's last accepted one.
    const over: RequestObservation[] = [];
    for (const reqs of reqByLine.values()) {
      let last: number | null = null;
      for (const q of reqs) {
        if (last !== null && q.atMs - last < limit) over.push(q);
        if (ok2xx(q.status)) last = q.atMs;
      }
    }
    const pass = worst === undefined || worst.minIntervalMs! >= limit;
    let violations = 0;
    for (const calls of byLine.values()) for (let k = 1; k < calls.length; k++) if (calls[k].atMs - calls[k - 1].atMs < limit) violations++;
    rules.push({
      rule: 'minInterval', limit, unit: 'ms', source: spec.minIntervalMs.source, state: state(pass),
      measured: worst?.minIntervalMs ?? null, violations,
      ...asked(over),
      violation: pass || worst === undefined ? null
        : { line: worst.line, callee: null, day: null, count: null, calls: worst.closest ?? [] },
    });
  }
  if (spec.maxPerLinePerDay !== null) {
    const cap = spec.maxPerLinePerDay.value;
    const worst = [...lines].sort((a, b) => b.maxPerDay - a.maxPerDay)[0];
    const over: RequestObservation[] = [];
    for (const reqs of reqByLine.values()) {
      // A request asks too much when its line already had `cap` accepted requests that day.
      const accepted: Record<string, number> = {};
      for (const q of reqs) {
        const d = localDayMinute(q.atMs, tz).day;
        if ((accepted[d] ?? 0) >= cap) over.push(q);
        if (ok2xx(q.status)) accepted[d] = (accepted[d] ?? 0) + 1;
      }
    }
    const pass = worst === undefined || worst.maxPerDay <= cap;
    let violation: Rules['rules'][number]['violation'] = null;
    if (!pass) {
      const day = Object.entries(worst.perDay).sort((a, b) => b[1] - a[1])[0][0];
      // The call that went over the cap, and the one before it.
      const ofDay = (byLine.get(worst.line) ?? []).filter((c) => localDayMinute(c.atMs, tz).day === day);
      violation = { line: worst.line, callee: null, day, count: worst.perDay[day], calls: [ref(ofDay[cap - 1]), ref(ofDay[cap])] };
    }
    rules.push({
      rule: 'maxPerLinePerDay', limit: cap, unit: 'calls', source: spec.maxPerLinePerDay.source, state: state(pass),
      measured: worst?.maxPerDay ?? null, ...asked(over), violation,
      violations: lines.reduce((n, l) => n + Object.values(l.perDay).reduce((m, c) => m + Math.max(0, c - cap), 0), 0),
    });
  }
  if (spec.window !== null) {
    const w = spec.window.value;
    const out = invites.filter((c) => outside(c.atMs));
    rules.push({
      rule: 'window', limit: `${w.from}–${w.to} ${w.tz}`, unit: 'window', source: spec.window.source, state: state(out.length === 0),
      measured: out.length, violations: out.length, ...asked(requests.filter((q) => outside(q.atMs))),
      violation: out.length === 0 ? null
        : { line: out[0].line, callee: null, day: null, count: out.length, calls: out.slice(0, 2).map(ref) },
    });
  }
  if (spec.maxPerCallee !== null) {
    const cap = spec.maxPerCallee.value;
    const worst = callees[0];
    const pass = worst === undefined || worst.maxInWindow <= cap;
    rules.push({
      rule: 'maxPerCallee', limit: cap, unit: 'calls', source: spec.maxPerCallee.source, state: state(pass),
      measured: worst?.maxInWindow ?? null, asked: 0, refused: 0, accepted: 0,
      violations: callees.reduce((n, c) => n + Math.max(0, c.maxInWindow - cap), 0),
      violation: pass ? null : {
        line: null, callee: worst.callee, day: null, count: worst.maxInWindow,
        calls: invites.filter((c) => c.callee === worst.callee).slice(0, 2).map(ref),
      },
    });
  }

  return {
    tz,
    violations: tested ? rules.reduce((n, x) => n + x.violations, 0) : null,
    perCalleeWindowMs: perMs,
    invites: invites.length,
    requests: requests.length,
    uncorrelatedInvites: invites.filter((c) => c.flow === null).length,
    lines,
    callees: { distinct: callees.length, top: callees.slice(0, 10) },
    rules,
  };
}
