/**
 * Brings a results.json of an older schemaVersion to the current shape
 * (schema.ts), one version step at a time, before read.ts validates it.
 * A step fills the fields added since: derived from the document where they
 * can be, a value that was true of every run of that time (0, null, {}) where
 * the feature did not exist yet, and null ("not recorded", allowed by the
 * schema) where the figure existed but was not written. It never invents a
 * measurement. The document is changed in place; a field already present
 * (files written late in a version's life carry some of them) is kept.
 */
import { SCHEMA_VERSION } from './schema.js';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Sets `o[k]` when it is absent (undefined); present values, null included, stay. */
function fill(o: Obj, k: string, v: () => unknown): void {
  if (o[k] === undefined) o[k] = v();
}

/**
 * Schema 1 → 2. Schema 1 grew over time; its earliest files have no per-criterion
 * abortOnFail/firstFailedAtMs/step, no abortedBy, search, summary.http, httpFlows,
 * outbound, calls.cutAtEnd/noResponse/noProvisional/notEndedNormally, HTTP load
 * mode/connections/pipelining, nor the simulator's invalidRequests/dropped.
 */
function from1(doc: Obj): void {
  // abortOnFail, per-second evaluation and capacity search did not exist when these were missing.
  if (Array.isArray(doc.criteria)) {
    for (const c of doc.criteria) {
      if (!isObj(c)) continue;
      fill(c, 'abortOnFail', () => false);
      fill(c, 'firstFailedAtMs', () => null);
      fill(c, 'step', () => null);
    }
  }
  fill(doc, 'abortedBy', () => null);
  fill(doc, 'search', () => null);
  const s = doc.summary;
  if (isObj(s)) {
    const calls = s.calls;
    if (isObj(calls)) {
      // Before cut_at_end, a call the run's end hung up after its answer was counted in completed: not separable.
      fill(calls, 'cutAtEnd', () => null);
      // Not counted or not written then: not recoverable from the other figures.
      fill(calls, 'noResponse', () => null);
      fill(calls, 'noProvisional', () => null);
      const attempted = num(calls.attempted);
      const completed = num(calls.completed);
      // completed then included the calls cut at the end, so attempted − completed is the figure.
      const cut = num(calls.cutAtEnd) ?? 0;
      fill(calls, 'notEndedNormally', () => (attempted === null || completed === null ? undefined : Math.max(0, attempted - completed - cut)));
    }
    // HTTP loads, flows and the UAS came later: a file without them ran none.
    fill(s, 'http', () => ({}));
    fill(s, 'httpFlows', () => ({}));
    fill(s, 'outbound', () => null);
    if (isObj(s.http)) {
      for (const h of Object.values(s.http)) {
        if (!isObj(h)) continue;
        // rate: max (offeredRps null) came with the mode field; before it every load was fixed-rate.
        fill(h, 'mode', () => (h.offeredRps === null ? 'max' : 'fixed-rate'));
        fill(h, 'connections', () => null);
        fill(h, 'pipelining', () => null);
      }
    }
  }
  const e = doc.embeddedTarget;
  if (isObj(e)) {
    fill(e, 'invalidRequests', () => null);
    fill(e, 'dropped', () => null);
  }
}

/** Schema 2 → 3: the generator host's vCPUs, virtualisation and clock state were not recorded. */
function from2(doc: Obj): void {
  const g = doc.generator;
  if (!isObj(g) || !isObj(g.host)) return;
  fill(g.host, 'vcpus', () => null);
  fill(g.host, 'virtualization', () => null);
  fill(g.host, 'clock', () => null);
}

const STEPS: Record<number, (doc: Obj) => void> = { 1: from1, 2: from2 };

/** The oldest schemaVersion callcert ever wrote (and still reads). */
export const OLDEST_SCHEMA_VERSION = 1;

/**
 * Migrates `doc` (a callcert document of schemaVersion `from`, OLDEST_SCHEMA_VERSION <= from
 * < SCHEMA_VERSION, an integer) to SCHEMA_VERSION in place and returns it.
 */
export function migrateResults(doc: Obj, from: number): Obj {
  for (let v = from; v < SCHEMA_VERSION; v++) {
    STEPS[v](doc);
    doc.schemaVersion = v + 1;
  }
  return doc;
}
