/**
 * Reading back an HTML report without a browser: its script blocks, the chart
 * configs it embeds, and the inlined chart.js evaluated in a fresh vm context
 * (no window/document, so chart.js takes its basic platform) drawing each
 * embedded config on an @napi-rs/canvas — the page's own chart code run on
 * the page's own data.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import vm from 'node:vm';

const require = createRequire(import.meta.url);

export interface PageChart {
  canvas: string;
  config: {
    type: string;
    data: {
      labels?: string[];
      datasets: Array<{
        label: string;
        data: Array<{ x: number; y: number | null }> | number[];
        yAxisID?: string;
        pointStyle?: string[];
        pointBackgroundColor?: string[];
      }>;
    };
    options: Record<string, unknown>;
  };
}

export function scripts(html: string): Array<{ attrs: string; body: string }> {
  return [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)].map((m) => ({ attrs: m[1], body: m[2] }));
}

export function pageCharts(html: string): PageChart[] {
  const s = scripts(html).find((x) => x.attrs.includes('id="callcert-charts"'));
  if (s === undefined) throw new Error('no callcert-charts block');
  return JSON.parse(s.body) as PageChart[];
}

/** The embedded results.json with the page's one escape (< as \u003c) undone, and its SHA-256. */
export function pageResults(html: string): { text: string; sha256: string } {
  const s = scripts(html).find((x) => x.attrs.includes('id="callcert-results"'));
  if (s === undefined) throw new Error('no callcert-results block');
  const text = s.body.replace(/\\u003c/g, '<');
  return { text, sha256: createHash('sha256').update(text).digest('hex') };
}

/** Runs the page's inlined chart.js and draws every embedded chart; returns each chart's dataset lengths. */
export function drawPageCharts(html: string): Array<{ canvas: string; lengths: number[] }> {
  const code = scripts(html).find((x) => x.attrs === '' && x.body.includes('Chart.js v4'));
  if (code === undefined) throw new Error('chart.js is not inlined');
  const ctx = vm.createContext({});
  vm.runInContext(code.body, ctx);
  const Chart = (
    ctx as { Chart: new (c: unknown, cfg: unknown) => { data: { datasets: Array<{ data: unknown[] }> }; destroy(): void } }
  ).Chart;
  const { Canvas } = require('@napi-rs/canvas') as typeof import('@napi-rs/canvas');
  return pageCharts(html).map((pc) => {
    const chart = new Chart(new Canvas(600, 300).getContext('2d'), { ...pc.config, options: { ...pc.config.options, animation: false, responsive: false } });
    const lengths = chart.data.datasets.map((d) => d.data.length);
    chart.destroy();
    return { canvas: pc.canvas, lengths };
  });
}

interface SubsetFont {
  familyName: string;
  hasGlyphForCodePoint(cp: number): boolean;
  numGlyphs: number;
}

/** The page's embedded @font-face fonts (WOFF2 data URLs), opened with fontkit, by weight. */
export function pageFontFaces(html: string): Array<{ family: string; weight: number; bytes: number; font: SubsetFont }> {
  const fontkit = require('fontkit') as { create(b: Buffer): SubsetFont };
  return [...html.matchAll(/@font-face\{font-family:"([^"]+)";font-weight:(\d+);[^}]*src:url\(data:font\/woff2;base64,([A-Za-z0-9+/=]+)\)/g)].map((m) => {
    const data = Buffer.from(m[3], 'base64');
    return { family: m[1], weight: Number(m[2]), bytes: data.length, font: fontkit.create(data) };
  });
}

/** Every character a reader can see on the page: text outside tags and scripts (entities undone), and the chart labels. */
export function visibleChars(html: string): Set<string> {
  const charts = JSON.stringify(pageCharts(html));
  const text = html
    .replace(/<script[\s\S]*?<\/script>/g, ' ')
    .replace(/<style[\s\S]*?<\/style>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&(lt|gt|amp|quot|#39);/g, (_m, e: string) => ({ lt: '<', gt: '>', amp: '&', quot: '"', '#39': "'" })[e] ?? _m);
  return new Set([...`${text}${charts}`].filter((ch) => ch.trim() !== ''));
}
