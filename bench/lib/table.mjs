/**
 * Box-drawn text tables (console.table style, without the index column) and
 * number formatting for bench/run.mjs.
 */

const NUMERIC = /^[-+±~]?\s*[\d.,]+\s*(%|×|ms|µs|s|B|KiB|MiB|GiB|k)?$/;

/**
 * columns: [{ key, title, align?: 'left'|'right' }]; rows: objects (missing → '');
 * a row that is the string '-' draws a separator. Numbers-looking cells align right.
 */
export function renderTable(columns, rows) {
  const cells = rows.map((r) => (r === '-' ? '-' : columns.map((c) => (r[c.key] === undefined || r[c.key] === null ? '' : String(r[c.key])))));
  const widths = columns.map((c, i) => Math.max(c.title.length, ...cells.filter((r) => r !== '-').map((r) => r[i].length)));
  const line = (l, m, r) => l + widths.map((w) => '─'.repeat(w + 2)).join(m) + r;
  const fmt = (vals, header) =>
    '│' +
    vals
      .map((v, i) => {
        const c = columns[i];
        const right = !header && (c.align === 'right' || (c.align !== 'left' && NUMERIC.test(v)));
        return ' ' + (right ? v.padStart(widths[i]) : v.padEnd(widths[i])) + ' ';
      })
      .join('│') +
    '│';
  const out = [line('┌', '┬', '┐'), fmt(columns.map((c) => c.title), true), line('├', '┼', '┤')];
  for (const r of cells) out.push(r === '-' ? line('├', '┼', '┤') : fmt(r, false));
  out.push(line('└', '┴', '┘'));
  return out.join('\n');
}

export const fmtInt = (n) => (n === null || n === undefined || Number.isNaN(n) ? 'n/a' : Math.round(n).toLocaleString('en-US'));
export const fmtFixed = (n, d = 1) => (n === null || n === undefined || !Number.isFinite(n) ? 'n/a' : n.toFixed(d));
export const fmtRatio = (n) => (n === null || n === undefined || !Number.isFinite(n) ? 'n/a' : `${n.toFixed(2)}×`);

export function fmtBytes(n) {
  if (n === null || n === undefined || !Number.isFinite(n)) return 'n/a';
  const neg = n < 0;
  let v = Math.abs(n);
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${neg ? '-' : ''}${v.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}
