/**
 * RFC 6076 (SIP end-to-end performance metrics) ratios from call counters.
 * Ratios are fractions in [0, 1] (multiply by 100 for the RFC's percentages),
 * or null when the denominator is 0: "no calls" is not "0 % success".
 */

export interface RatioInput {
  /** INVITE transactions sent (initial INVITEs, one per call attempt). */
  invites: number;
  /** Final response code of each INVITE transaction, e.g. { "200": 980, "486": 10, "503": 10 }. */
  finalByCode: Record<string, number>;
  /** INVITEs that got no final response at all (Timer B, or ring timeout with no final after CANCEL). */
  timeouts: number;
  /** Calls established and ended normally with BYE / 200. */
  completedNormally: number;
}

export interface Ratios {
  /** Session Establishment Ratio, §4.6. */
  ser: number | null;
  /** Session Establishment Effectiveness Ratio, §4.7. */
  seer: number | null;
  /** Ineffective Session Attempts, §4.8. */
  isa: number | null;
  /** Session Completion Ratio, §4.9. */
  scr: number | null;
  /** Answer Seizure Ratio (ITU-T E.411 style): answered / attempts. */
  asr: number | null;
}

/** §4.6 numerator: INVITE → 200 OK. */
export const SER_CODES: readonly number[] = [200];
/** §4.7 numerator: the call reached the user (answered, busy, unavailable, declined). */
export const SEER_CODES: readonly number[] = [200, 480, 486, 600, 603];
/** §4.8 numerator: the session could not be attempted because of the network / server. */
export const ISA_CODES: readonly number[] = [408, 500, 503, 504];

function countCodes(finalByCode: Record<string, number>, codes: readonly number[]): number {
  let n = 0;
  for (const code of codes) n += finalByCode[String(code)] ?? 0;
  return n;
}

/** INVITE transactions that ended with a 3xx: excluded from SER / SEER denominators (§4.6, §4.7). */
export function countRedirects(finalByCode: Record<string, number>): number {
  let n = 0;
  for (const [code, count] of Object.entries(finalByCode)) {
    const c = Number(code);
    if (c >= 300 && c < 400) n += count;
  }
  return n;
}

function ratio(num: number, den: number): number | null {
  return den > 0 ? num / den : null;
}

/**
 * SER  = 200 / (INVITEs − 3xx)
 * SEER = (200 + 480 + 486 + 600 + 603) / (INVITEs − 3xx)
 * ISA  = (408 + 500 + 503 + 504 + timeouts) / INVITEs
 * SCR  = completedNormally / INVITEs
 * ASR  = 200 / INVITEs
 *
 * A local timeout counts as a 408 in ISA: RFC 3261 §17.1.1.2 has the transaction
 * layer report Timer B expiry to the TU as a 408 (Request Timeout), which is the
 * same "no answer from the network" outcome §4.8 counts.
 */
export function computeRatios(input: RatioInput): Ratios {
  const { invites, finalByCode, timeouts, completedNormally } = input;
  const ok = countCodes(finalByCode, SER_CODES);
  const effective = countCodes(finalByCode, SEER_CODES);
  const ineffective = countCodes(finalByCode, ISA_CODES) + timeouts;
  const nonRedirected = invites - countRedirects(finalByCode);
  return {
    ser: ratio(ok, nonRedirected),
    seer: ratio(effective, nonRedirected),
    isa: ratio(ineffective, invites),
    scr: ratio(completedNormally, invites),
    asr: ratio(ok, invites),
  };
}
