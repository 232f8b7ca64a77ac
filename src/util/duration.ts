/**
 * Durations in scenario files are strings with a unit ("250ms", "20s", "1.5s",
 * "2m", "1h", "1m30s"). Bare numbers are rejected (except 0) because "20" is
 * ambiguous between seconds and milliseconds.
 *
 * Also home of the tiny "expected X, got Y" helpers every scenario module uses
 * for its one-line messages (this module has no dependencies, so it sits at the
 * bottom of the import graph).
 */
import { errors } from '../errors.js';

const UNIT_MS = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1 } as const;
type Unit = keyof typeof UNIT_MS;
const UNIT_ORDER: readonly Unit[] = ['h', 'm', 's', 'ms'];

/** The shape a duration string must have (also used as the JSON-schema pattern). */
export const DURATION_PATTERN = '^(?:\\d+(?:\\.\\d+)?(?:ms|h|m|s))+$|^0$';
const COMPONENT = /(\d+(?:\.\d+)?)(ms|h|m|s)/y;

export const DURATION_EXAMPLES = '250ms, 20s, 1.5s, 2m, 1h or 1m30s';

export type DurationResult = { ok: true; ms: number } | { ok: false; expected: string; hint?: string };

/** Renders any scenario value for "got ..." in messages. */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v);
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return '.nan';
    if (v === Infinity) return '.inf';
    if (v === -Infinity) return '-.inf';
    return String(v);
  }
  if (typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (Array.isArray(v)) return v.length === 0 ? 'an empty list' : 'a list';
  if (v instanceof Uint8Array) return 'binary data';
  if (typeof v === 'object') return 'a mapping';
  return typeof v;
}

/** `expected <what>, got <value>[ (<hint>)]` */
export function expectedGot(expected: string, got: unknown, hint?: string): string {
  return `expected ${expected}, got ${describeValue(got)}${hint ? ` (${hint})` : ''}`;
}

function round(ms: number): number {
  // 1.1 * 1000 = 1100.0000000000002: keep microsecond precision, drop float noise.
  return Math.round(ms * 1000) / 1000;
}

/** Never throws: the building block of parseDurationMs and of the scenario schema's checks. */
export function tryParseDurationMs(input: unknown): DurationResult {
  const expected = `a duration such as ${DURATION_EXAMPLES}`;
  if (typeof input === 'number') {
    if (input === 0) return { ok: true, ms: 0 };
    if (Number.isFinite(input) && input > 0) {
      return { ok: false, expected: 'a duration with a unit', hint: `write ${input}s or ${round(input * 1000)}ms` };
    }
    return { ok: false, expected };
  }
  if (typeof input !== 'string') return { ok: false, expected };
  const s = input.trim();
  if (s === '') return { ok: false, expected };
  if (s === '0') return { ok: true, ms: 0 };
  if (/^\d+(?:\.\d+)?$/.test(s)) {
    const n = Number(s);
    return { ok: false, expected: 'a duration with a unit', hint: `write ${s}s or ${round(n * 1000)}ms` };
  }
  if (s.startsWith('-')) return { ok: false, expected: 'a duration >= 0' };
  let ms = 0;
  let pos = 0;
  let lastUnit = -1;
  COMPONENT.lastIndex = 0;
  while (pos < s.length) {
    COMPONENT.lastIndex = pos;
    const m = COMPONENT.exec(s);
    if (!m) {
      const hint = /\s/.test(s) ? 'no spaces inside a duration' : undefined;
      return { ok: false, expected, hint };
    }
    const unitIndex = UNIT_ORDER.indexOf(m[2] as Unit);
    if (unitIndex <= lastUnit) {
      return { ok: false, expected: 'a duration with units from largest to smallest, each at most once (e.g. 1m30s)' };
    }
    lastUnit = unitIndex;
    ms += Number(m[1]) * UNIT_MS[m[2] as Unit];
    pos = COMPONENT.lastIndex;
  }
  if (!Number.isFinite(ms)) return { ok: false, expected };
  return { ok: true, ms: round(ms) };
}

/**
 * Parses a duration to milliseconds. `path` names the value in the message
 * (a scenario path such as "call.hold", or a flag such as "--hold").
 * Throws CC_ERR_SCENARIO_INVALID: `<path>: expected ..., got ...`.
 */
export function parseDurationMs(input: string | number, path: string): number {
  const r = tryParseDurationMs(input);
  if (r.ok) return r.ms;
  throw errors.scenarioInvalid(`${path}: ${expectedGot(r.expected, input, r.hint)}`, { path, value: input });
}

function trimNumber(n: number, decimals: number): string {
  return String(Number(n.toFixed(decimals)));
}

/**
 * The inverse of parseDurationMs for display and for writing scenario files:
 * 250 → "250ms", 1500 → "1.5s", 90000 → "1m30s", 5400000 → "1h30m", 0 → "0s".
 * parseDurationMs(formatDurationMs(x)) === x for every x >= 0 with at most
 * microsecond precision.
 */
export function formatDurationMs(ms: number): string {
  if (!Number.isFinite(ms)) return `${ms}ms`;
  if (ms < 0) return `-${formatDurationMs(-ms)}`;
  if (ms === 0) return '0s';
  if (ms < 1000) return `${trimNumber(ms, 3)}ms`;
  const h = Math.floor(ms / UNIT_MS.h);
  let rest = ms - h * UNIT_MS.h;
  const m = Math.floor(rest / UNIT_MS.m);
  rest -= m * UNIT_MS.m;
  const s = rest / 1000;
  let out = '';
  if (h > 0) out += `${h}h`;
  if (m > 0) out += `${m}m`;
  if (rest > 0) out += `${trimNumber(s, 6)}s`;
  return out;
}
