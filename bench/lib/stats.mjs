/**
 * Small statistics for bench/run.mjs: median, min–max, least-squares line.
 * Every function ignores null/NaN inputs and returns null when nothing is left.
 */

const finite = (xs) => xs.filter((x) => x !== null && x !== undefined && Number.isFinite(x));

/** Median (mean of the two middle values for an even count), or null. */
export function median(xs) {
  const v = finite(xs).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

/** { min, max, n } of the finite values, or { min: null, max: null, n: 0 }. */
export function range(xs) {
  const v = finite(xs);
  return v.length ? { min: Math.min(...v), max: Math.max(...v), n: v.length } : { min: null, max: null, n: 0 };
}

/**
 * Ordinary least squares y = intercept + slope·x over points [[x, y], ...]
 * (points with a null coordinate are dropped). Needs ≥ 2 distinct x; else null.
 * r2 is the coefficient of determination (1 = every point on the line).
 */
export function leastSquares(points) {
  const p = points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  const n = p.length;
  if (n < 2) return null;
  const mx = p.reduce((s, [x]) => s + x, 0) / n;
  const my = p.reduce((s, [, y]) => s + y, 0) / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (const [x, y] of p) {
    sxx += (x - mx) ** 2;
    sxy += (x - mx) * (y - my);
    syy += (y - my) ** 2;
  }
  if (sxx === 0) return null;
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  const r2 = syy === 0 ? 1 : (sxy * sxy) / (sxx * syy);
  return { slope, intercept, r2, n };
}
