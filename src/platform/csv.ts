/**
 * A server's figures from the operator's own monitoring: a CSV export (platform.csv in the
 * scenario), aligned on the run's timeline. The column format (docs/platform.md):
 *
 *   time,cpu_pct,mem_used_pct,mem_used_bytes,net_rx_bytes_per_sec,net_tx_bytes_per_sec
 *   2026-12-03T18:20:40Z,12.5,41.2,3311221760,120000,98000
 *
 * - `time`: ISO 8601 with a zone (Z or ±hh:mm), or Unix time in seconds (decimals allowed) or in
 *   milliseconds (13 digits); each row becomes a sample at time − run start.
 * - any of the figure columns, at least one; an empty cell is no value (null); other columns are
 *   ignored (kept in the raw file).
 *
 * Rows outside the run (before its start, after its end) are left out and counted; a row whose
 * time or a figure does not parse is skipped and counted. The file is read and parsed (RFC 4180) by
 * readPlatformCsv; importCsv only maps the table. Neither throws on a bad file.
 */
import { CsvError, parseCsv, readTextFile, type CsvTable } from '../util/csv.js';
import type { PlatformSample } from './node-exporter.js';

/** CSV column → sample figure. */
export const CSV_COLUMNS = {
  cpu_pct: 'cpuPct',
  mem_used_pct: 'memUsedPct',
  mem_used_bytes: 'memUsedBytes',
  net_rx_bytes_per_sec: 'netRxBytesPerSec',
  net_tx_bytes_per_sec: 'netTxBytesPerSec',
} as const satisfies Record<string, Exclude<keyof PlatformSample, 'tMs'>>;

export interface CsvImport {
  samples: PlatformSample[];
  /** Rows left out because their time is outside the run. */
  outsideRun: number;
  /** Rows whose time or a figure did not parse: their line numbers' count and the first one's reason. */
  badRows: number;
  firstBadRow: string | null;
}

/** Epoch ms of a `time` cell, or null. */
export function csvTimeMs(cell: string): number | null {
  const t = cell.trim();
  if (/^\d+(\.\d+)?$/.test(t)) {
    const n = Number(t);
    return t.split('.')[0].length >= 13 ? n : n * 1000;
  }
  if (!/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(t)) return null;
  const ms = Date.parse(t.replace(' ', 'T'));
  return Number.isFinite(ms) ? ms : null;
}

/** The error of a table that cannot be imported (no time column, no figure column), or null. */
export function csvColumnsProblem(columns: readonly string[]): string | null {
  if (!columns.includes('time')) return `no "time" column (columns: ${columns.join(', ')})`;
  if (!Object.keys(CSV_COLUMNS).some((c) => columns.includes(c))) {
    return `no figure column: expected at least one of ${Object.keys(CSV_COLUMNS).join(', ')}`;
  }
  return null;
}

/**
 * The samples of `table` within the run [runStartEpochMs, runStartEpochMs + runMs], in time order.
 * `firstLine`: the line number of the first data row (2 after a header row).
 */
export function importCsv(
  table: { columns: readonly string[]; rows: readonly (readonly string[])[] },
  runStartEpochMs: number,
  runMs: number,
  firstLine = 2,
): CsvImport {
  const ti = table.columns.indexOf('time');
  const figures = Object.entries(CSV_COLUMNS)
    .map(([col, key]) => ({ i: table.columns.indexOf(col), col, key }))
    .filter((f) => f.i >= 0);
  const samples: PlatformSample[] = [];
  let outsideRun = 0;
  let badRows = 0;
  let firstBadRow: string | null = null;
  const bad = (line: number, why: string) => {
    badRows++;
    firstBadRow ??= `line ${line}: ${why}`;
  };
  table.rows.forEach((row, k) => {
    const line = firstLine + k;
    const at = ti < 0 ? null : csvTimeMs(row[ti] ?? '');
    if (at === null) return bad(line, `time ${JSON.stringify(row[ti] ?? '')} is neither ISO 8601 with a zone nor Unix seconds/ms`);
    const tMs = at - runStartEpochMs;
    if (tMs < 0 || tMs > runMs) {
      outsideRun++;
      return;
    }
    const s: PlatformSample = { tMs, cpuPct: null, memUsedPct: null, memUsedBytes: null, netRxBytesPerSec: null, netTxBytesPerSec: null };
    for (const f of figures) {
      const cell = (row[f.i] ?? '').trim();
      if (cell === '') continue;
      const v = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(cell) ? Number(cell) : NaN;
      if (!Number.isFinite(v) || v < 0) return bad(line, `${f.col} ${JSON.stringify(cell)} is not a number >= 0`);
      s[f.key] = v;
    }
    samples.push(s);
  });
  samples.sort((a, b) => a.tMs - b.tMs);
  return { samples, outsideRun, badRows, firstBadRow };
}

/** A platform.csv file as read (`text`) and parsed, or why it cannot be used. */
export type PlatformCsv = { text: string; table: CsvTable } | { text: string | null; error: string };

/** Reads and parses `file`; a missing or malformed file comes back as `error` (counted by the scraper), never thrown. */
export function readPlatformCsv(file: string): PlatformCsv {
  let text: string | null = null;
  try {
    text = readTextFile(file);
    return { text, table: parseCsv(text) };
  } catch (e) {
    if (!(e instanceof CsvError)) throw e;
    return { text, error: `${file}: ${e.message}` };
  }
}
