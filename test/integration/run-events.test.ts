/**
 * The engine's run events, in process (no CLI spawned): a real run against the embedded call
 * centre with a recording output beside the results directory. The outputs are started before
 * the first event, every call record reaches them through `interval` events, `finished` comes
 * once and last with the same figures results.json holds, and `stop` follows it. Every series
 * the worker ships is in the catalogue.
 * The workers run from dist/ (piscina loads compiled files): build first.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, requireBuiltCli } from '../helpers/cli.js';
import { scenarioFromObject } from '../../src/scenario/load.js';
import type { Output, RunEvent, RunInfo } from '../../src/engine/events.js';
import { expectCatalogued } from '../helpers/series.js';

type RunModule = typeof import('../../src/engine/run.js');
type ResultsDirModule = typeof import('../../src/outputs/results-dir/index.js');

let root: string;
beforeAll(() => {
  requireBuiltCli();
  root = mkdtempSync(join(tmpdir(), 'callcert-run-events-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

class Recorder implements Output {
  readonly log: string[] = [];
  readonly events: RunEvent[] = [];
  info: RunInfo | null = null;
  describe(): string {
    return 'recorder';
  }
  async start(info: RunInfo): Promise<void> {
    this.info = info;
    this.log.push('start');
  }
  add(e: RunEvent): void {
    this.events.push(e);
    this.log.push(e.type);
  }
  async stop(): Promise<void> {
    this.log.push('stop');
  }
}

describe('run events (closed model, 10 channels, 1 s holds, 3 s)', () => {
  it('reach every output in order, and carry exactly what results.json says', async () => {
    const dist = (p: string) => pathToFileURL(join(REPO_ROOT, 'dist', p)).href;
    const { startRun } = (await import(dist('engine/run.js'))) as RunModule;
    const { ResultsDirOutput } = (await import(dist('outputs/results-dir/index.js'))) as ResultsDirModule;
    const scenario = scenarioFromObject(
      { name: 'events', load: { model: 'closed', stages: [{ duration: '1s', target: 10 }, { duration: '2s', target: 10 }] }, call: { hold: '1s' }, workers: 1 },
      'test',
    );
    const rec = new Recorder();
    const out = join(root, 'out');
    const handle = await startRun({ scenario, scenarioText: null, scenarioFile: null, toolVersion: 'test', outputs: [new ResultsDirOutput(out), rec] });
    const { results } = await handle.done;

    expect(rec.log[0]).toBe('start');
    expect(rec.log.at(-2)).toBe('finished');
    expect(rec.log.at(-1)).toBe('stop');
    expect(rec.log.filter((t) => t === 'finished')).toHaveLength(1);
    expect(rec.info?.scenario.name).toBe('events');
    expect(rec.info?.totalMs).toBe(3000);

    // Every call line went through an interval event, and results.json counts the same calls.
    const lines = rec.events.flatMap((e) => (e.type === 'interval' && e.report.calls !== '' ? e.report.calls.trim().split('\n') : []));
    const c = results.summary.calls;
    expect(c.attempted).toBeGreaterThanOrEqual(10);
    expect(lines).toHaveLength(c.attempted);
    expect(readFileSync(join(out, 'calls.jsonl'), 'utf8').trim().split('\n')).toEqual(lines);
    const written = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(written.summary.calls).toEqual(c);
    const finished = rec.events.find((e) => e.type === 'finished');
    expect(finished?.type === 'finished' && finished.results).toBe(results);

    // Every counter and trend the worker shipped is a catalogue series (metrics/catalog.ts SERIES).
    const intervals = rec.events.flatMap((e) => (e.type === 'interval' ? [e.report] : []));
    for (const r of intervals) expectCatalogued(r);
    expect(intervals[0].trends.schedule_slip_ms?.['']).toBeTypeOf('string');

    // Progress every second, with the figures of the aggregate so far.
    const progress = rec.events.filter((e) => e.type === 'progress');
    expect(progress.length).toBeGreaterThanOrEqual(2);
    const last = progress.at(-1);
    expect(last?.type === 'progress' && last.progress.totalMs).toBe(3000);
  }, 30_000);
});
