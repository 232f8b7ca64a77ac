/**
 * Checks an interval payload (metrics/measures.ts Measures) against the series catalogue
 * (metrics/catalog.ts SERIES): every counter and trend it carries is a catalogue entry of that
 * kind, and every tag key has one value per tag of the entry ('' for an untagged series).
 */
import { expect } from 'vitest';
import { SERIES, type SeriesName } from '../../src/metrics/catalog.js';
import { TAG_SEPARATOR, type Measures } from '../../src/metrics/measures.js';

/** The `kind name{key}` of every value a payload carries, for messages and coverage checks. */
export function seriesKeys(m: Measures<unknown>): string[] {
  const out: string[] = [];
  for (const [kind, table] of [['counter', m.counters], ['trend', m.trends]] as const) {
    for (const [name, byKey] of Object.entries(table as Record<string, Record<string, unknown>>)) {
      for (const key of Object.keys(byKey)) out.push(`${kind} ${name}{${key}}`);
    }
  }
  return out;
}

export function expectCatalogued(m: Measures<unknown>): void {
  for (const [kind, table] of [['counter', m.counters], ['trend', m.trends]] as const) {
    for (const [name, byKey] of Object.entries(table as Record<string, Record<string, unknown>>)) {
      expect(Object.hasOwn(SERIES, name), `${kind} ${name} is in the series catalogue`).toBe(true);
      const def = SERIES[name as SeriesName];
      expect(def.kind, `${name}'s kind`).toBe(kind);
      for (const key of Object.keys(byKey)) {
        if (def.tags.length === 0) expect(key, `${name} is untagged`).toBe('');
        // The last tag value is free text (a cause): it may hold the separator, the others may not.
        else expect(key.split(TAG_SEPARATOR).length, `${name}{${key}} has a value per tag ${def.tags.join(',')}`).toBeGreaterThanOrEqual(def.tags.length);
        if (def.tags.length > 1) expect(key.split(TAG_SEPARATOR).slice(0, def.tags.length - 1).every((v) => v !== ''), `${name}{${key}}`).toBe(true);
      }
    }
  }
}
