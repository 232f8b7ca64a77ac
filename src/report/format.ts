/** The report's number formats: counts as recorded, milliseconds to 0.1 ms, bytes, durations. */
/** Numbers as recorded: JS's shortest round-trip representation, no rounding, no separators. */
export function fmtNum(n: number | null | undefined): string {
  return n === null || n === undefined || Number.isNaN(n) ? '—' : String(n);
}

/** Milliseconds to 0.1 ms (GB/T 8170): below the generator's own timing resolution finer digits mean nothing. */
export function fmtMs(n: number | null | undefined): string {
  return n === null || n === undefined || Number.isNaN(n) ? '—' : (Math.round(n * 10) / 10).toFixed(1);
}

export function fmtBytes(n: number): string {
  if (n >= 1024 * 1024 * 1024) return `${n} B (${(n / 1024 ** 3).toFixed(1)} GiB)`;
  if (n >= 1024 * 1024) return `${n} B (${(n / 1024 ** 2).toFixed(1)} MiB)`;
  return `${n} B`;
}

export function fmtDurationMs(ms: number): string {
  const s = ms / 1000;
  if (s < 120) return `${fmtNum(s)} s`;
  const h = s >= 7200 ? Math.floor(s / 3600) : 0;
  const m = Math.floor((s - h * 3600) / 60);
  const rest = Math.round((s - h * 3600 - m * 60) * 1000) / 1000;
  return h > 0 ? `${h} h ${m} min ${rest} s` : `${m} min ${rest} s`;
}
