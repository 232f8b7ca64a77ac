/**
 * What a run tells the world while it goes: typed events, and the Output contract every
 * sink implements (k6's output interface: describe / start / add / stop). The engine emits
 * to the outputs it was given and knows nothing of terminals or files; the CLI picks them
 * from the registry in src/outputs and decides the exit code.
 */
import type { FlowPoint, OutboundPoint } from '../metrics/aggregate/flow-aggregate.js';
import type { IntervalReport } from '../metrics/interval.js';
import type { Histogram } from '../metrics/histograms.js';
import type { Measures } from '../metrics/measures.js';
import type { Results } from '../results/summary.js';
import type { Scenario } from '../scenario/types.js';
import type { ResolvedTarget } from './protocol.js';
import type { AbortedBy } from '../verdict/thresholds.js';

/** The live figures of the last full second, for views. */
export interface Progress {
  elapsedMs: number;
  totalMs: number;
  active: number;
  target: number;
  model: 'open' | 'closed';
  offeredCps: number;
  achievedCps: number;
  attempts: number;
  answers: number;
  failures: number;
  blocked: number;
  ser: number | null;
  setupMsP95: number | null;
  failuresByCode: Record<string, number>;
  stopping: boolean;
  /** Per HTTP load, the last full second: responses, errors, latency p95. */
  http: Array<{ name: string; completed: number; errors: number; latencyMsP95: number | null }>;
  /** Per HTTP flow, the last full second; and run totals of started / failed. */
  flows?: Array<FlowPoint & { name: string; totalStarted: number; totalFailed: number }>;
  /** The run's UAS (outbound calls), the last full second; null: no uas. */
  outbound?: (OutboundPoint & { totalAnswered: number; totalFailed: number }) | null;
  /** Criteria failing at the last per-second evaluation ("ser >=0.99 (actual 0.5)"). */
  failingCriteria?: string[];
  /** Every criterion (scenario order) at the last per-second evaluation; empty for a capacity search (judged per step). */
  criteria?: LiveCriterion[];
  /** Capacity search: the level offered and the capacity certified so far. */
  search?: string;
}

/** One criterion while the run goes. */
export interface LiveCriterion {
  /** The criteria key, as results.json names it: "setup_ms", "flow_ms{flow:agent-call}". */
  metric: string;
  /** The threshold as written: "p(95)<800". */
  threshold: string;
  /** The value it was last judged on, in the metric's catalogue unit; null: not measured yet. */
  actual: number | null;
  /** A failure decided while running (it cannot turn into a pass). */
  failing: boolean;
}

/** What every output learns before the first call. */
export interface RunInfo {
  scenario: Scenario;
  /** The scenario file's text, or null for a command-line scenario. */
  scenarioText: string | null;
  /** The scenario as run, credentials blanked (scenario.resolved.json). */
  resolvedScenario: unknown;
  target: ResolvedTarget;
  workers: number;
  totalMs: number;
}

export type RunEvent =
  /**
   * One worker's second: its call records (JSON lines) and flow records ride along; `measures` is the
   * report's counters and trends with the histograms decoded (once, by the aggregator): read only.
   */
  | { type: 'interval'; report: IntervalReport; measures: Measures<Histogram> }
  /** Every second on the main thread; `partialResults` builds results.json as it stands (costly: call it sparingly). */
  | { type: 'progress'; progress: Progress; partialResults: () => Results }
  /** A per-second criteria evaluation that changed something: what fails now, and the abort if one stops the run. */
  | { type: 'criteria'; elapsedMs: number; failing: readonly string[]; abortedBy: AbortedBy | null }
  /** A platform target's scrape completed or failed (platform/scraper.ts): one raw JSON line for platform.jsonl. */
  | { type: 'platformScrape'; line: string }
  /** A capacity-search step was judged. */
  | { type: 'searchStep'; level: number; pass: boolean }
  /** The run is stopping before its end: a signal, a criterion or a failed search step. */
  | { type: 'stopping'; reason: string; byCriterion: boolean }
  /** With platform.rtpengine, once the calls are done: the platform's view per call (platform-media.jsonl lines). */
  | { type: 'platformMedia'; rows: string }
  /** The final results (written by the results directory output before the run's `done` resolves). */
  | { type: 'finished'; results: Results };

export interface Output {
  /** One line saying where it goes, e.g. "results directory /tmp/x". */
  describe(): string;
  /** Before the first call; may refuse the run (e.g. an output directory that already holds results). */
  start(info: RunInfo): Promise<void>;
  /** Never blocks the run: an output queues what it writes and returns. */
  add(event: RunEvent): void;
  /** After `finished`: flush and close. The run's `done` waits for every output. */
  stop(): Promise<void>;
  /**
   * An output that writes calls.jsonl: the file's path once every record of the `interval`
   * events so far is on disk. The recording probe reads the answered calls back from it.
   */
  callsFile?(): Promise<string>;
}
