/**
 * Each call's MOS-CQE as calls.jsonl recorded it (its `media` record, over the
 * whole call), for the per-call MOS-CQE distribution. Read only from the
 * calls.jsonl attached to the report (its bytes, through results/calls-file.ts), so
 * every call counted can be found in an attachment. (The charts over time are per
 * second, from results.json.)
 */
import { readCallRecords } from '../results/calls-file.js';

export interface MediaCallPoint {
  mosCqe: number | null;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Calls with a media record, in file order; lines that are not such records are skipped. */
export async function mediaCallPoints(jsonl: Buffer): Promise<MediaCallPoint[]> {
  const out: MediaCallPoint[] = [];
  // Most of a signalling-heavy file has no media record: skip those lines unparsed.
  for await (const rec of readCallRecords(jsonl, { contains: '"media":', malformed: 'skip' })) {
    const media = rec.media as { mosCqe?: unknown } | null | undefined;
    if (typeof media !== 'object' || media === null) continue;
    out.push({ mosCqe: num(media.mosCqe) });
  }
  return out;
}
