/**
 * The voice parts of results.json the report reads: summary.media, as declared
 * in results/schema.ts (read.ts validated it), and summary.recordings, the
 * recording probe's figures, which this schema version does not declare yet —
 * the reader strips keys it does not know, so it is looked up in the raw bytes
 * and every field used is checked here; anything else is treated as absent.
 */
import type { Results } from '../results/schema.js';
import { metricsWhere } from '../metrics/catalog.js';

export type MediaFigures = NonNullable<Results['summary']['media']>;
export type ScaledFigures = MediaFigures['mosCqe'];

/** summary.media, or null for a signalling-only run (null or absent). */
export const mediaOf = (r: Results): MediaFigures | null => r.summary.media ?? null;

/** summary.recordings as the recording probe writes it. */
export interface RecordingFigures {
  source: 'http' | 'directory' | 'rtpengine';
  checked: number;
  answered: number;
  valid: number;
  /** valid ÷ the calls it is taken over, 0..1, as recorded. */
  completeness: number;
  failures: Record<string, number>;
  toleranceMs: number;
  /** Calls sampled, or null when every answered call was checked. */
  sample: number | null;
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The value if it has the probe's shape, else null: a half-formed object is no evidence. */
export function recordingsFrom(v: unknown): RecordingFigures | null {
  if (!isObj(v)) return null;
  const { source, checked, answered, valid, completeness, failures, toleranceMs, sample } = v;
  if (source !== 'http' && source !== 'directory' && source !== 'rtpengine') return null;
  if (!isCount(checked) || !isCount(answered) || !isCount(valid) || valid > checked) return null;
  if (typeof completeness !== 'number' || !Number.isFinite(completeness) || completeness < 0 || completeness > 1) return null;
  if (!isObj(failures) || !Object.values(failures).every(isCount)) return null;
  if (typeof toleranceMs !== 'number' || !Number.isFinite(toleranceMs) || toleranceMs < 0) return null;
  if (sample !== null && !isCount(sample)) return null;
  return { source, checked, answered, valid, completeness, failures: { ...(failures as Record<string, number>) }, toleranceMs, sample };
}

/**
 * summary.recordings of a run: from the parsed document once the schema declares it, else from the
 * exact bytes of results.json (parsed again only when they mention it, so other runs pay nothing).
 */
export function recordingsOf(r: Results, bytes: Buffer): RecordingFigures | null {
  const declared = (r.summary as Record<string, unknown>).recordings;
  if (declared !== undefined) return recordingsFrom(declared);
  if (!bytes.includes('"recordings"')) return null;
  try {
    const doc = JSON.parse(bytes.toString('utf8')) as { summary?: { recordings?: unknown } };
    return recordingsFrom(doc.summary?.recordings);
  } catch {
    return null;
  }
}

/** The criteria of the run on its media (the catalogue's media family), as judged. */
export function mediaCriteria(r: Results): Results['criteria'] {
  const media = new Set<string>(metricsWhere((d) => d.family === 'media'));
  return r.criteria.filter((c) => media.has(c.metric));
}
