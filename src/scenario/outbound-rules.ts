/**
 * Outbound-calling rules in a scenario, two sections:
 *
 * - `outboundRules`: the probe. callcert's UAS (scenario `uas`) writes down every INVITE the
 *   platform sends it — the calling line (P-Asserted-Identity's user when present, else From's),
 *   the callee (To's user), the Call-ID, the arrival time — and every originate request the flows
 *   sent with the line it asked for and the API's answer (outbound-rules.jsonl). After the run the
 *   limits below are checked against them (results/outbound-rules.ts → summary.outboundRules).
 *   Every limit is optional and carries the `source` the report prints beside it: the figures in
 *   circulation (6 s between calls of one line, 200–300 calls a day) were not found in an official
 *   text (docs/outbound-rules.md), so callcert hard-codes none.
 * - `embedded.dialer`: the embedded call centre's CTI API enforces the same kind of limits on its
 *   originate (refused with 429/403 problem+json naming the rule, or paced), or with `violate: true`
 *   places every call anyway — so both verdicts of the probe can be shown against the simulator.
 */
import { z } from 'zod';
import { DurationSchema, PositiveDurationSchema, expect, numberSchema } from '../util/schema-fields.js';
import { expectedGot, parseDurationMs } from '../util/duration.js';

export const OUTBOUND_RULES_DEFAULTS = {
  lineVar: 'line',
  tz: 'Asia/Shanghai',
} as const;

const HHMM_RE = /^([01]\d|2[0-3]):[0-5]\d$|^24:00$/;

const SourceSchema = z
  .string({ error: expect('a source string naming where the limit comes from (a regulation, a contract, a carrier notice)') })
  .min(1, { error: expect('a non-empty source string') })
  .meta({ description: 'Where the limit comes from (printed in the report beside the limit).' });

const TzSchema = z
  .string({ error: expect('an IANA time zone such as Asia/Shanghai') })
  .refine(isTimeZone, { error: (iss) => expectedGot('an IANA time zone such as Asia/Shanghai', iss.input) });

export function isTimeZone(tz: unknown): boolean {
  if (typeof tz !== 'string' || tz === '') return false;
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const HhmmSchema = z.string({ error: expect('a time of day HH:MM such as 08:00') }).regex(HHMM_RE, { error: (iss) => expectedGot('a time of day HH:MM (00:00 to 24:00)', iss.input) });

const WindowSchema = z.strictObject(
  {
    from: HhmmSchema.meta({ description: 'First minute calls are allowed (local time in tz).', examples: ['08:00'] }),
    to: HhmmSchema.meta({ description: 'Calls are allowed before this time (local time in tz).', examples: ['21:00'] }),
    tz: TzSchema.optional().meta({ description: 'Time zone of from/to.', default: OUTBOUND_RULES_DEFAULTS.tz }),
  },
  { error: expect('a window { from: "08:00", to: "21:00", tz }') },
);

export const OutboundRulesSchema = z
  .strictObject(
    {
      lineVar: z.string({ error: expect('a flow variable name') }).regex(/^[A-Za-z_][A-Za-z0-9_.-]*$/, { error: expect('a flow variable name such as line') }).optional()
        .meta({ description: 'The flow variable (vars or a feeder column) holding the line an originate asks for; recorded with the API\'s answer.', default: OUTBOUND_RULES_DEFAULTS.lineVar }),
      minInterval: z.strictObject({ value: PositiveDurationSchema, source: SourceSchema }, { error: expect('{ value: 6s, source: "…" }') }).optional()
        .meta({ description: 'Least time between two calls of one line (INVITE arrivals at callcert\'s UAS).' }),
      maxPerLinePerDay: z.strictObject({ value: numberSchema({ int: true, min: 1 }), source: SourceSchema }, { error: expect('{ value: 300, source: "…" }') }).optional()
        .meta({ description: 'Most calls of one line in one calendar day (in the window\'s tz, else tz).' }),
      window: WindowSchema.extend({ source: SourceSchema }).optional()
        .meta({ description: 'Calls are allowed only from..to local time.' }),
      maxPerCallee: z.strictObject(
        { value: numberSchema({ int: true, min: 1 }), per: PositiveDurationSchema.optional().meta({ description: 'Counted in any window of this length (default: the whole run).' }), source: SourceSchema },
        { error: expect('{ value: 5, per: 24h, source: "…" }') },
      ).optional().meta({ description: 'Most calls to one callee (To user) across all lines.' }),
      tz: TzSchema.optional().meta({ description: 'Time zone of the calendar day (default: the window\'s, else Asia/Shanghai).' }),
    },
    { error: expect('a mapping { lineVar, minInterval, maxPerLinePerDay, window, maxPerCallee, tz }') },
  )
  .nullable()
  .optional()
  .meta({ description: 'Outbound-rule probe: per calling line, the least interval and the count per day of the INVITEs callcert\'s UAS received, calls outside the window, calls per callee, each against a limit with its source (summary.outboundRules). Needs uas and a flow that originates.' });

export interface Limit<T> {
  value: T;
  source: string;
}

export interface CallingWindow {
  /** Minutes after local midnight. */
  fromMin: number;
  toMin: number;
  from: string;
  to: string;
  tz: string;
}

export interface OutboundRulesSpec {
  lineVar: string;
  minIntervalMs: Limit<number> | null;
  maxPerLinePerDay: Limit<number> | null;
  window: Limit<CallingWindow> | null;
  maxPerCallee: (Limit<number> & { perMs: number | null }) | null;
  /** The calendar day's time zone. */
  tz: string;
}

const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

function normalizeWindow(w: { from: string; to: string; tz?: string | undefined }): CallingWindow {
  return { from: w.from, to: w.to, fromMin: minutes(w.from), toMin: minutes(w.to), tz: w.tz ?? OUTBOUND_RULES_DEFAULTS.tz };
}

export function normalizeOutboundRules(r: z.infer<typeof OutboundRulesSchema>): OutboundRulesSpec | null {
  if (r === undefined || r === null) return null;
  const window = r.window === undefined ? null : { value: normalizeWindow(r.window), source: r.window.source };
  return {
    lineVar: r.lineVar ?? OUTBOUND_RULES_DEFAULTS.lineVar,
    minIntervalMs: r.minInterval === undefined ? null : { value: parseDurationMs(r.minInterval.value, 'outboundRules.minInterval.value'), source: r.minInterval.source },
    maxPerLinePerDay: r.maxPerLinePerDay === undefined ? null : { ...r.maxPerLinePerDay },
    window,
    maxPerCallee: r.maxPerCallee === undefined ? null : {
      value: r.maxPerCallee.value, source: r.maxPerCallee.source,
      perMs: r.maxPerCallee.per === undefined ? null : parseDurationMs(r.maxPerCallee.per, 'outboundRules.maxPerCallee.per'),
    },
    tz: r.tz ?? window?.value.tz ?? OUTBOUND_RULES_DEFAULTS.tz,
  };
}

// ---------------------------------------------------------------------------------------------
// embedded.dialer

export const EmbeddedDialerSchema = z
  .strictObject(
    {
      minInterval: DurationSchema.optional().meta({ description: 'Least time between two originates of one line (the request\'s `from`).' }),
      maxPerLinePerDay: numberSchema({ int: true, min: 1 }).optional().meta({ description: 'Most originates of one line per calendar day (tz).' }),
      window: WindowSchema.optional().meta({ description: 'Originates are placed only from..to local time.' }),
      tz: TzSchema.optional().meta({ description: 'Time zone of the calendar day (default: the window\'s, else Asia/Shanghai).' }),
      mode: z.enum(['refuse', 'pace'], { error: expect('refuse or pace') }).optional()
        .meta({ description: 'A call that would come too soon after its line\'s last one: refuse (429) or pace (accepted, placed when the interval has passed). Over the daily cap: 429; outside the window: 403.', default: 'refuse' }),
      violate: z.boolean({ error: expect('true or false') }).optional()
        .meta({ description: 'Place every call at once anyway (a non-compliant dialer, for showing the probe\'s failing verdict).', default: false }),
    },
    { error: expect('a mapping { minInterval, maxPerLinePerDay, window, tz, mode, violate }') },
  )
  .nullable()
  .optional()
  .meta({ description: 'Outbound limits the embedded CTI API\'s originate enforces per line (its `from`). Off by default.', default: null });

export interface DialerLimitsSpec {
  minIntervalMs: number | null;
  maxPerLinePerDay: number | null;
  window: CallingWindow | null;
  tz: string;
  mode: 'refuse' | 'pace';
  violate: boolean;
}

export function normalizeEmbeddedDialer(d: z.infer<typeof EmbeddedDialerSchema>): DialerLimitsSpec | null {
  if (d === undefined || d === null) return null;
  const window = d.window === undefined ? null : normalizeWindow(d.window);
  return {
    minIntervalMs: d.minInterval === undefined ? null : parseDurationMs(d.minInterval, 'embedded.dialer.minInterval'),
    maxPerLinePerDay: d.maxPerLinePerDay ?? null,
    window,
    tz: d.tz ?? window?.tz ?? OUTBOUND_RULES_DEFAULTS.tz,
    mode: d.mode ?? 'refuse',
    violate: d.violate ?? false,
  };
}

type Path = Array<string | number>;

/** Rules across sections: the probe needs callcert's UAS and a flow whose request originates ({{uas.*}}). */
export function outboundRulesProblems(
  input: { outboundRules?: unknown; embedded?: { dialer?: unknown } | null },
  s: { uas: unknown; target: unknown; http: { flows: ReadonlyArray<{ steps: ReadonlyArray<unknown> }> } | null },
): Array<{ path: Path; message: string }> {
  const out: Array<{ path: Path; message: string }> = [];
  const d = input.embedded?.dialer;
  if (d !== undefined && d !== null && s.target !== null) {
    out.push({ path: ['embedded', 'dialer'], message: expectedGot('no target (the embedded call centre\'s dialer is used only when it is the target)', 'a target') });
  }
  const r = input.outboundRules;
  if (r === undefined || r === null) return out;
  if (s.uas === null) out.push({ path: ['outboundRules'], message: expectedGot('a uas section (the rules are checked on the INVITEs callcert\'s UAS receives)', 'none') });
  if (s.http === null || s.http.flows.length === 0) {
    out.push({ path: ['outboundRules'], message: expectedGot('http.flows with a step that originates a call to {{uas.uri}}', 'no flows') });
  }
  return out;
}
