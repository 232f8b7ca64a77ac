/**
 * Each call's MOS-CQE as calls.jsonl recorded it (its `media` record, over the
 * whole call), for the per-call MOS-CQE distribution. Read only from the
 * calls.jsonl attached to the report, so every call counted can be found in an
 * attachment. (The charts over time are per second, from results.json.)
 */

export interface MediaCallPoint {
  mosCqe: number | null;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Calls with a media record, in file order; lines that are not such records are skipped. */
export function mediaCallPoints(jsonl: Buffer): MediaCallPoint[] {
  const out: MediaCallPoint[] = [];
  for (const line of jsonl.toString('utf8').split('\n')) {
    // Most of a signalling-heavy file has no media record: skip those lines unparsed.
    if (!line.includes('"media":')) continue;
    let rec: { media?: { mosCqe?: unknown } };
    try {
      rec = JSON.parse(line) as typeof rec;
    } catch {
      continue;
    }
    if (typeof rec.media !== 'object' || rec.media === null) continue;
    out.push({ mosCqe: num(rec.media.mosCqe) });
  }
  return out;
}
