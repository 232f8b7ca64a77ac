/**
 * The live view of a run on stderr: a panel redrawn every second on a TTY,
 * plain lines every 5 s when not a TTY or when CI is set, nothing with --quiet.
 */
import type { Progress } from '../../engine/events.js';
import type { Runtime } from '../runtime.js';
import { liveFlowLines, liveFlowSuffix } from './flow-text.js';

export type ViewMode = 'panel' | 'lines' | 'quiet';

export function chooseViewMode(rt: Runtime, quiet: boolean): ViewMode {
  if (quiet) return 'quiet';
  if (rt.stderr.isTTY === true && !rt.env.CI) return 'panel';
  return 'lines';
}

const fmtPct = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(2)} %`);
const fmtMs = (x: number | null) => (x === null ? '—' : `${x.toFixed(1)} ms`);
const fmtClock = (ms: number) => {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
};

function codes(m: Record<string, number>): string {
  const entries = Object.entries(m).sort((a, b) => b[1] - a[1]);
  return entries.length === 0 ? 'none' : entries.map(([k, v]) => `${k}×${v}`).join(' ');
}

export function renderPanel(p: Progress): string[] {
  const width = 30;
  const frac = p.totalMs > 0 ? Math.min(1, p.elapsedMs / p.totalMs) : 0;
  const bar = '█'.repeat(Math.round(frac * width)).padEnd(width, '░');
  const targetLabel = p.model === 'closed' ? `target ${p.target}` : `offered ${p.target} cps`;
  return [
    `callcert  ${bar} ${fmtClock(p.elapsedMs)} / ${fmtClock(p.totalMs)}${p.stopping ? '  (stopping: hanging up)' : ''}`,
    `  channels  ${String(p.active).padStart(6)}  (${targetLabel})`,
    `  CPS       offered ${p.offeredCps}  achieved ${p.achievedCps}`,
    `  calls     ${p.attempts} attempted, ${p.answers} answered, ${p.failures} failed, ${p.blocked} blocked`,
    `  SER       ${fmtPct(p.ser)}    setup p95 ${fmtMs(p.setupMsP95)}`,
    `  failures  ${codes(p.failuresByCode)}`,
    ...p.http.map((h) => `  HTTP ${h.name}  ${h.completed}/s  p95 ${fmtMs(h.latencyMsP95)}  errors ${h.errors}`),
    ...liveFlowLines(p),
    ...(p.search !== undefined ? [`  search    ${p.search}`] : []),
    ...(p.failingCriteria ?? []).map((c) => `  FAILING   ${c}`),
  ];
}

export function renderLine(p: Progress): string {
  return (
    `[${fmtClock(p.elapsedMs)}/${fmtClock(p.totalMs)}] channels=${p.active} target=${p.target} ` +
    `cps=${p.achievedCps} attempted=${p.attempts} answered=${p.answers} failed=${p.failures} blocked=${p.blocked} ` +
    `ser=${fmtPct(p.ser)} setup_p95=${fmtMs(p.setupMsP95)}` +
    (p.search !== undefined ? ` search=[${p.search}]` : '') +
    (p.failingCriteria?.length ? ` failing=[${p.failingCriteria.join('; ')}]` : '') +
    p.http.map((h) => ` http.${h.name}=${h.completed}/s,p95=${fmtMs(h.latencyMsP95)},errors=${h.errors}`).join('') +
    liveFlowSuffix(p)
  );
}

export class LiveView {
  private drawn = 0;
  private lastLineAt = -Infinity;
  constructor(private readonly rt: Runtime, private readonly mode: ViewMode) {}

  update(p: Progress): void {
    if (this.mode === 'quiet') return;
    if (this.mode === 'lines') {
      if (p.elapsedMs - this.lastLineAt < 5000) return;
      this.lastLineAt = p.elapsedMs;
      this.rt.stderr.write(renderLine(p) + '\n');
      return;
    }
    const lines = renderPanel(p);
    // Move up over the previous panel and redraw it in place.
    let out = this.drawn > 0 ? `\x1b[${this.drawn}A` : '';
    for (const l of lines) out += `\x1b[2K${l}\n`;
    this.drawn = lines.length;
    this.rt.stderr.write(out);
  }

  message(text: string): void {
    if (this.mode === 'quiet') return;
    this.rt.stderr.write(text + '\n');
    this.drawn = 0;
  }
}
