/**
 * CSV data feeders (agent ids, tokens, numbers): one row per flow instance,
 * its columns becoming variables named by the header row.
 *
 * The file is parsed by util/csv.ts (RFC 4180) and read once on the main thread (a missing or malformed file
 * is a scenario error naming the file and the scenario field) and its rows are
 * shipped to the workers.
 *
 * Order: `sequential` gives flow instance k the row k mod rows (flow indexes are
 * striped over workers, so the order is the same whatever the worker count);
 * with `recycle: false` instance k >= rows fails with `feeder_exhausted`.
 * `random` picks a row uniformly with the worker's seeded generator.
 */
import type { CsvTable } from '../../util/csv.js';

export type FeederOrder = 'sequential' | 'random';

/** What a worker gets: the table plus how to pick. */
export interface FeederData extends CsvTable {
  order: FeederOrder;
  recycle: boolean;
}

/** The row for flow instance `index`, or null when a non-recycling sequential feeder is exhausted. */
export function pickRow(f: FeederData, index: number, random: () => number): string[] | null {
  const n = f.rows.length;
  if (f.order === 'random') return f.rows[Math.min(n - 1, Math.floor(random() * n))];
  if (!f.recycle && index >= n) return null;
  return f.rows[index % n];
}
