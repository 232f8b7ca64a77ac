/**
 * A synthetic stability run's results directory (issue: stability run): results.json (+ calls.jsonl,
 * scenario.yaml, scenario.resolved.json) for `scenarios/soak-24h.yaml` with a hold of `holdH` hours,
 * built the way a run builds it — one IntervalReport per second through the main thread's Aggregator
 * (dist/metrics/aggregate), then buildResults — so the file is schema-valid and its per-hour figures are
 * the builder's own. The load is made up and deterministic (seeded): closed model, `channels` held,
 * calls of `holdS` seconds, 1 in 2000 rejected with 503, setup ≈ 20 ms + an exponential tail (×
 * `setupDrift` by the hold's end, linearly), RSS flat + noise (+ `rssSlopeMiBPerH`), two platform
 * servers scraped every 5 s. Signalling only: the made-up run has no media.
 *
 * Needs `npm run build` (imports dist/). A benchmark: test/report/report-stability.test.ts uses the faster test/report/synthetic-soak.ts.
 *
 *   node bench/lib/synthetic-soak.mjs OUT_DIR [holdH]
 */
import { createHash } from 'node:crypto';
import { createWriteStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parse, stringify } from 'yaml';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dist = (p) => import(pathToFileURL(join(ROOT, 'dist', p)).href);

const MiB = 1024 * 1024;

/**
 * @param {{ dir: string, holdH?: number, rampS?: number, channels?: number, holdS?: number, seed?: number,
 *   rssSlopeMiBPerH?: number, setupDrift?: number, platform?: boolean, callsJsonl?: boolean }} o
 * @returns {Promise<{ results: object, stats: { buildMs: number, aggregateMs: number, heapBytes: number, rssBytes: number,
 *   calls: number } }>}
 */
export async function writeSyntheticSoak(o) {
  const { Aggregator } = await dist('metrics/aggregate/aggregate.js');
  const { createLatencyHistogram, encodeHistogram, recordMs } = await dist('metrics/histograms.js');
  const { emptyCounters, putCounters } = await dist('metrics/interval.js');
  const { buildResults } = await dist('results/summary.js');
  const { scenarioFromObject } = await dist('scenario/load.js');
  const { redactScenario } = await dist('engine/http-setup.js');
  const { stabilityHours, stabilityWindow } = await dist('load/stability.js');
  const { totalDurationMs, targetAt } = await dist('load/stages.js');
  const { summarizeSeries } = await dist('platform/summary.js');
  const { mulberry32 } = await dist('util/random.js');
  const { VERSION } = await dist('version.js');

  const holdH = o.holdH ?? 24;
  const rampS = o.rampS ?? 600;
  const channels = o.channels ?? 1000;
  const holdS = o.holdS ?? 120;
  const rnd = mulberry32(o.seed ?? 1);
  const scenarioFile = join(ROOT, 'scenarios', 'soak-24h.yaml');
  // The scenario file as shipped, with the hold, ramp and channels asked for; no media, so no media criteria.
  const doc = parse(readFileSync(scenarioFile, 'utf8'));
  doc.load.stages = [{ duration: `${rampS}s`, target: channels }, { duration: `${Math.round(holdH * 3600)}s`, target: channels }];
  doc.call.hold = `${holdS}s`;
  doc.call.media = 'none';
  delete doc.criteria.mos_cqe;
  delete doc.criteria.rtp_loss_ratio;
  const s = scenarioFromObject(doc, scenarioFile);
  const totalMs = totalDurationMs(s.load.stages);
  const totalS = Math.ceil(totalMs / 1000);
  const window = stabilityWindow(s.load.stages);
  const agg = new Aggregator();
  if (window !== null) agg.trackPeriods(stabilityHours(window));

  mkdirSync(o.dir, { recursive: true });
  const calls = o.callsJsonl === false ? null : createWriteStream(join(o.dir, 'calls.jsonl'));
  let chunk = '';
  let callIndex = 0;
  let owed = 0;
  const empty = encodeHistogram(createLatencyHistogram());
  const t0 = performance.now();
  for (let seq = 0; seq < totalS; seq++) {
    const tMs = seq * 1000;
    // Channels up at a time of the run (the last instant of the last stage, not the 0 after it).
    const up = (ms) => Math.round(targetAt(s.load.stages, Math.min(ms, totalMs - 1)));
    const est = up(tMs + 1000);
    // New calls: the ramp's growth plus the held calls' replacements.
    owed += Math.max(0, up(tMs + 1000) - up(tMs)) + est / holdS;
    const n = Math.floor(owed);
    owed -= n;
    const holdFrac = window === null ? 0 : Math.min(1, Math.max(0, (tMs - window.startMs) / (window.endMs - window.startMs)));
    const drift = 1 + ((o.setupDrift ?? 1) - 1) * holdFrac;
    const c = emptyCounters();
    const setup = createLatencyHistogram();
    for (let k = 0; k < n; k++) {
      const intendedMs = tMs + (k * 1000) / n;
      const rejected = rnd() < 0.0005;
      const setupMs = Math.round((20 + -Math.log(1 - rnd()) * 5) * drift * 1000) / 1000;
      c.attempts++;
      c.offered++;
      if (rejected) {
        c.failures++;
        c.finalByCode['503'] = (c.finalByCode['503'] ?? 0) + 1;
        c.failuresByCode['503'] = (c.failuresByCode['503'] ?? 0) + 1;
        c.failuresByCause.sip_503 = (c.failuresByCause.sip_503 ?? 0) + 1;
      } else {
        c.answers++;
        c.completed++;
        c.finalByCode['200'] = (c.finalByCode['200'] ?? 0) + 1;
        recordMs(setup, setupMs);
      }
      if (calls !== null) {
        const answerMs = rejected ? null : Math.round((intendedMs + setupMs) * 1000) / 1000;
        chunk += JSON.stringify({
          id: `syn-${callIndex}@callcert`, i: callIndex, w: 0, intendedMs, startMs: intendedMs, slipMs: 0,
          pddMs: Math.round(setupMs * 500) / 1000, setupMs: rejected ? null : setupMs, answerMs,
          byeMs: answerMs === null ? null : answerMs + holdS * 1000,
          endMs: answerMs === null ? intendedMs + setupMs : answerMs + holdS * 1000 + 2,
          code: rejected ? 503 : 200, cause: rejected ? 'sip_503' : 'completed', durationMs: rejected ? 0 : holdS * 1000,
          sddMs: rejected ? null : 2,
        }) + '\n';
        if (chunk.length > 1 << 20) {
          calls.write(chunk);
          chunk = '';
        }
      }
      callIndex++;
    }
    const r = {
      type: 'interval', worker: 0, seq, counters: {},
      trends: {
        setup_ms: { '': encodeHistogram(setup) }, pdd_ms: { '': empty }, pdd_failed_ms: { '': empty }, sdd_ms: { '': empty },
        schedule_slip_ms: { '': empty },
      },
      samples: Array.from({ length: 10 }, (_, k) => [seq * 10 + k, up(tMs + k * 100), Math.round(n / 10)]),
      calls: '', eventLoopLagMsP99: 1, eventLoopLagMsMax: 2, eventLoopLagMsP99Run: 1,
      heapUsedBytes: Math.round((60 + 8 * ((seq % 300) / 300) + rnd()) * MiB),
    };
    putCounters(r, c);
    agg.add(r);
    const hours = seq / 3600;
    const rss = Math.round((180 + (o.rssSlopeMiBPerH ?? 0) * hours + 4 * rnd()) * MiB);
    agg.recordMainMemory(tMs + 500, rss, Math.round((40 + 2 * rnd()) * MiB));
  }
  const aggregateMs = performance.now() - t0;
  if (calls !== null) await new Promise((res, rej) => calls.on('error', rej).end(chunk, res));

  const platform = o.platform === false ? null : syntheticPlatform(totalMs, rnd, summarizeSeries);
  const startedAt = new Date(Date.UTC(2026, 11, 1, 0, 0, 0));
  const t1 = performance.now();
  const results = buildResults(agg, {
    scenario: s, scenarioSha256: createHash('sha256').update(stringify(doc)).digest('hex'), scenarioFile: 'scenarios/soak-24h.yaml',
    target: { uri: 'sip:ivr@10.0.0.5:5060', transport: 'udp', embedded: false }, workers: 1, toolVersion: VERSION,
    startedAt, endedAt: new Date(startedAt.getTime() + totalMs), elapsedMs: totalMs, loadEndMs: totalMs,
    interrupted: false, invalidReasons: [], cpuPct: 35, state: 'finished', unfinishedCalls: 0, httpTotals: {},
    platform,
  });
  const buildMs = performance.now() - t1;
  writeFileSync(join(o.dir, 'results.json'), JSON.stringify(results, null, 2) + '\n');
  writeFileSync(join(o.dir, 'scenario.yaml'), stringify(doc));
  writeFileSync(join(o.dir, 'scenario.resolved.json'), JSON.stringify(redactScenario(s), null, 2) + '\n');
  const mem = process.memoryUsage();
  return { results, stats: { aggregateMs, buildMs, heapBytes: mem.heapUsed, rssBytes: mem.rss, calls: callIndex } };
}

/** Two servers scraped every 5 s: flat memory with noise, CPU following nothing in particular. */
function syntheticPlatform(totalMs, rnd, summarizeSeries) {
  const instances = {};
  for (const [name, memGiB] of [['sbc-1', 3], ['media-1', 6]]) {
    const samples = [];
    for (let tMs = 0; tMs <= totalMs; tMs += 5000) {
      const memUsedBytes = Math.round((memGiB + 0.05 * rnd()) * 1024 * MiB);
      samples.push({
        tMs, cpuPct: tMs === 0 ? null : Math.round((30 + 5 * rnd()) * 1000) / 1000,
        memUsedPct: Math.round((memUsedBytes / (16 * 1024 * MiB)) * 100_000) / 1000, memUsedBytes,
        netRxBytesPerSec: tMs === 0 ? null : 1.6e6, netTxBytesPerSec: tMs === 0 ? null : 1.6e6,
      });
    }
    const figs = ['cpuPct', 'memUsedPct', 'memUsedBytes', 'netRxBytesPerSec', 'netTxBytesPerSec'];
    instances[name] = {
      source: 'prometheus', url: `http://10.0.0.${name === 'sbc-1' ? 6 : 7}:9100/metrics`,
      scrapes: { ok: samples.length, failed: 0, skipped: 0, failuresByCause: {}, lastFailure: null, unparsedLines: 0 },
      nodeExporter: true, cpus: 8, memTotalBytes: 16 * 1024 * MiB, samples,
      summary: Object.fromEntries(figs.map((f) => [f, summarizeSeries(samples.map((x) => x[f]))])),
    };
  }
  return { intervalMs: 5000, timeoutMs: 2000, rawFile: 'platform.jsonl', instances };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const dir = process.argv[2];
  if (dir === undefined) throw new Error('usage: node bench/lib/synthetic-soak.mjs OUT_DIR [holdH]');
  const { results, stats } = await writeSyntheticSoak({ dir, holdH: Number(process.argv[3] ?? 24) });
  const shape = {
    timeline: results.timeline.length, concurrencyRows: results.concurrencySeries.rows.length, hours: results.stability?.hours.length ?? 0,
  };
  console.log(JSON.stringify({ dir, ...shape, ...stats }));
}
