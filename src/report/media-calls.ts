/**
 * Each call's media figures as calls.jsonl recorded them (its `media` record,
 * at the call's end), for the media charts: the timeline carries no per-second
 * media figures (metrics/aggregate keeps none), so "over time" is per call, at
 * the time it ended. Read only from the calls.jsonl attached to the report, so
 * every point can be found in an attachment.
 */

export interface MediaCallPoint {
  /** The call's end, seconds after run start (calls.jsonl endMs). */
  endS: number;
  mosCqe: number | null;
  lossRatio: number | null;
  jitterMs: number | null;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Calls with a media record, in order of their end; lines that are not such records are skipped. */
export function mediaCallPoints(jsonl: Buffer): MediaCallPoint[] {
  const out: MediaCallPoint[] = [];
  for (const line of jsonl.toString('utf8').split('\n')) {
    // Most of a signalling-heavy file has no media record: skip those lines unparsed.
    if (!line.includes('"media":')) continue;
    let rec: { endMs?: unknown; media?: { mosCqe?: unknown; lossRatio?: unknown; jitterMs?: unknown } };
    try {
      rec = JSON.parse(line) as typeof rec;
    } catch {
      continue;
    }
    const end = num(rec.endMs);
    if (end === null || typeof rec.media !== 'object' || rec.media === null) continue;
    out.push({ endS: end / 1000, mosCqe: num(rec.media.mosCqe), lossRatio: num(rec.media.lossRatio), jitterMs: num(rec.media.jitterMs) });
  }
  return out.sort((a, b) => a.endS - b.endS);
}
