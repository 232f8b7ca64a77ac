/**
 * The results directory, as an output: scenario.yaml and scenario.resolved.json at the start,
 * calls.jsonl and flows.jsonl (and outbound-rules.jsonl with scenario outboundRules) appended every second,
 * platform.jsonl at each platform scrape,
 * platform-media.jsonl once the calls are done (with platform.rtpengine), results.json rewritten while the run goes
 * (state "running") and written last with the final results. An interrupted run leaves valid
 * files that say so.
 */
import type { Output, RunEvent, RunInfo } from '../../engine/events.js';
import { ResultsWriter } from './writer.js';

/** How often results.json is rewritten while a run goes (state "running"), at the least. */
const PARTIAL_RESULTS_MS = 5000;

export class ResultsDirOutput implements Output {
  private writer: ResultsWriter | null = null;
  private partialWrittenAtMs = 0;
  private partialEveryMs = PARTIAL_RESULTS_MS;

  constructor(readonly dir: string) {}

  describe(): string {
    return `results in ${this.dir}`;
  }

  async start(info: RunInfo): Promise<void> {
    this.writer = await ResultsWriter.open(this.dir);
    if (info.scenarioText !== null) await this.writer.writeFile('scenario.yaml', info.scenarioText);
    await this.writer.writeFile('scenario.resolved.json', JSON.stringify(info.resolvedScenario, null, 2) + '\n');
  }

  add(e: RunEvent): void {
    const w = this.writer;
    if (w === null) return;
    switch (e.type) {
      case 'interval':
        w.appendCalls(e.report.calls);
        if (e.report.flowRecords) w.appendFlows(e.report.flowRecords);
        if (e.report.outboundRuleRecords) w.appendOutboundRules(e.report.outboundRuleRecords);
        return;
      case 'platformScrape':
        w.appendPlatform(e.line);
        return;
      case 'progress': {
        const elapsedMs = e.progress.elapsedMs;
        if (elapsedMs - this.partialWrittenAtMs < this.partialEveryMs) return;
        // The partial results.json grows with the run (13.5 MB and 44 ms to build at 4 h): rewrite it
        // every 5 s, or less often once that would cost the main thread more than 1 % of its time.
        const t0 = performance.now();
        void w.writeResults(e.partialResults());
        this.partialEveryMs = Math.max(PARTIAL_RESULTS_MS, Math.round((performance.now() - t0) * 100));
        this.partialWrittenAtMs = elapsedMs;
        return;
      }
      case 'platformMedia':
        void w.writeQueued('platform-media.jsonl', e.rows);
        return;
      case 'finished':
        void w.writeResults(e.results);
        return;
      default:
    }
  }

  async callsFile(): Promise<string> {
    if (this.writer === null) throw new Error('the results directory was not started');
    return this.writer.flushCalls();
  }

  async stop(): Promise<void> {
    await this.writer?.close();
  }
}
