/**
 * The PDF's charts: chart.js 4 drawn on @napi-rs/canvas's SVG canvas (vector,
 * text converted to paths so the SVG needs no font of its own), from the
 * chart.js configs of chart-config.ts — the configs the HTML page also uses.
 */
import { createRequire } from 'node:module';
import { FONT_FAMILY, FONT_REGULAR } from './fonts.js';
import type { ReportLang } from './i18n.js';
import type { ChartSpec } from './chart-specs.js';
import { chartConfig } from './chart-config.js';

type ChartJs = typeof import('chart.js');
type NapiCanvas = typeof import('@napi-rs/canvas');
type ChartItem = ConstructorParameters<ChartJs['Chart']>[0];
type ChartConfig = ConstructorParameters<ChartJs['Chart']>[1];

const require = createRequire(import.meta.url);
let libs: { Chart: ChartJs['Chart']; canvas: NapiCanvas } | null = null;

function load() {
  if (libs !== null) return libs;
  const canvas = require('@napi-rs/canvas') as NapiCanvas;
  const cj = require('chart.js') as ChartJs;
  cj.Chart.register(...cj.registerables);
  canvas.GlobalFonts.registerFromPath(FONT_REGULAR, FONT_FAMILY);
  cj.Chart.defaults.font.family = FONT_FAMILY;
  cj.Chart.defaults.font.size = 13;
  cj.Chart.defaults.color = '#222';
  libs = { Chart: cj.Chart, canvas };
  return libs;
}

export const CHART_WIDTH_PX = 900;
export const CHART_HEIGHT_PX = 360;
/** Points kept per series in the PDF; min/max pairs, so up to twice this many vertices. */
export const PDF_BUCKETS = 900;

/** The chart drawn as an SVG document. */
export function chartSvg(spec: ChartSpec, lang: ReportLang): string {
  const { Chart, canvas } = load();
  const cfg = chartConfig(spec, lang, PDF_BUCKETS) as { options: Record<string, unknown> };
  cfg.options = { ...cfg.options, animation: false, responsive: false, devicePixelRatio: 1 };
  const c = new canvas.Canvas(CHART_WIDTH_PX, CHART_HEIGHT_PX, canvas.SvgExportFlag.ConvertTextToPaths);
  const chart = new Chart(c.getContext('2d') as unknown as ChartItem, cfg as unknown as ChartConfig);
  const svg = (c as unknown as { getContent(): Buffer }).getContent().toString('utf8');
  chart.destroy();
  return svg;
}
