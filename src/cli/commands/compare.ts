/**
 * `callcert compare BASELINE RESULTS`: per-metric deltas against a baseline run.
 * Prints an aligned table and a one-line verdict (or the comparison as JSON),
 * optionally writes JUnit XML and Markdown. Exit: 0 no regression, 5 a metric
 * regressed (or went missing), 3 the current run is not valid evidence, 2 bad input.
 */
import path from 'node:path';
import { readResults } from '../../results/read.js';
import { compareResults, evidenceProblem } from '../../compare/compare.js';
import { parsePerMetric, parseTolerance } from '../../compare/tolerance.js';
import { formatDelta, formatTolerance, formatValue } from '../../compare/format.js';
import type { Comparison, MetricDelta, Tolerance } from '../../compare/types.js';
import { junitFromComparison } from '../../report/junit.js';
import { markdownFromComparison } from '../../report/markdown.js';
import { ExitCode, errors } from '../../errors.js';
import type { Runtime } from '../runtime.js';

export interface CompareFlags {
  tolerance: string;
  toleranceFor: string[];
  junit?: string;
  md?: string;
  json?: boolean;
}

export async function compareCommand(baselinePath: string, currentPath: string, flags: CompareFlags, rt: Runtime): Promise<ExitCode> {
  // Flags first: a typo should not cost reading two files.
  const tolerance = defaultTolerance(flags.tolerance);
  const perMetric = parsePerMetric(flags.toleranceFor);
  // Paths as typed (resolved against the process cwd, like scenario files): errors show them unchanged.
  const baseline = await readResults(baselinePath);
  const current = await readResults(currentPath);
  const baselineProblem = evidenceProblem(baseline.results);
  if (baselineProblem !== null) {
    throw errors.resultsInvalid(`${baseline.file}: cannot serve as a baseline: ${baselineProblem}; expected the results of a valid, finished run`, { path: baseline.file });
  }

  const c = compareResults(baseline.results, current.results, { tolerance, perMetric });
  if (flags.junit) await writeOutput(rt, '--junit', flags.junit, junitFromComparison(c));
  if (flags.md) await writeOutput(rt, '--md', flags.md, markdownFromComparison(c));
  for (const w of c.warnings) rt.stderr.write(`callcert compare: warning: ${w}\n`);
  rt.stdout.write(flags.json ? JSON.stringify(c, null, 2) + '\n' : renderTable(c, baseline.file, current.file));

  if (c.currentProblem !== null) {
    throw errors.compareInvalidRun(`${current.file}: ${c.currentProblem}; no regression can be certified from it (rerun, or compare a valid run)`, { path: current.file });
  }
  return c.verdict === 'regressed' ? ExitCode.Regression : ExitCode.Passed;
}

/** The default applies to every metric, in different units, so only a percentage makes sense. */
function defaultTolerance(text: string): Tolerance {
  const t = parseTolerance(text, '--tolerance');
  if (t.kind !== 'percent') {
    throw errors.usage(`--tolerance: expected a percentage such as 10% (it applies to metrics of every unit; give absolute amounts per metric with --tolerance-for METRIC=${t.source}), got "${text}"`);
  }
  return t;
}

async function writeOutput(rt: Runtime, flag: string, file: string, text: string): Promise<void> {
  const abs = path.resolve(rt.cwd, file);
  try {
    await rt.fs.mkdirp(path.dirname(abs));
    await rt.fs.writeFile(abs, text);
  } catch (e) {
    throw errors.outputDir(`${flag} ${file}: cannot write (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); expected a writable file path`, { path: abs });
  }
}

const STATUS_TEXT: Record<MetricDelta['status'], string> = {
  ok: 'ok', improved: 'improved', regressed: 'REGRESSED', missing: 'MISSING', new: 'new',
};

/** k6-style end-of-test block: one aligned row per metric, then the verdict line. */
export function renderTable(c: Comparison, baselineFile: string, currentFile: string): string {
  const header = ['metric', 'baseline', 'current', 'change', 'tolerance', 'status'];
  const rows = c.metrics.map((m) => [
    m.metric,
    formatValue(m.baseline, m.unit),
    formatValue(m.current, m.unit),
    formatDelta(m),
    formatTolerance(m),
    STATUS_TEXT[m.status],
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  // Names left-aligned, numbers right-aligned, status left.
  const line = (cells: string[]) => '  ' + cells.map((s, i) => (i === 0 || i === cells.length - 1 ? s.padEnd(widths[i]) : s.padStart(widths[i]))).join('  ').trimEnd();
  const out = [
    `baseline: ${baselineFile} (${c.baseline.startedAt}, ${c.baseline.verdict})`,
    `current:  ${currentFile} (${c.current.startedAt}, ${c.current.verdict})`,
    '',
    line(header),
    ...rows.map(line),
    '',
    verdictLine(c),
  ];
  return out.join('\n') + '\n';
}

function verdictLine(c: Comparison): string {
  const bad = c.metrics.filter((m) => m.status === 'regressed' || m.status === 'missing').map((m) => m.metric);
  if (c.verdict === 'invalid') return `INVALID: the current run is not valid evidence (${c.currentProblem ?? ''})`;
  if (c.verdict === 'regressed') return `REGRESSION: ${bad.length} of ${c.metrics.length} metrics beyond tolerance (${bad.join(', ')})`;
  const improved = c.metrics.filter((m) => m.status === 'improved').length;
  return `OK: no regression beyond tolerance in ${c.metrics.length} metrics${improved > 0 ? ` (${improved} improved)` : ''}`;
}
