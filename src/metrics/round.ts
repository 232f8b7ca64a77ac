/**
 * Figures in results and records keep 3 decimals: ms with µs precision, ratios and
 * percentages to a thousandth. One rounding everywhere, so the same value prints the same.
 */
export const round3 = (x: number): number => Math.round(x * 1000) / 1000;
