/**
 * A synthetic stability-run results.json, for report generation only: a real short run's
 * results.json (its tool, target, summary shape, definitions) stretched to a 60 s ramp to
 * 1,000 channels and a hold of `hours`, with a timeline second and ten 100 ms concurrency rows per
 * second and the stability hours. callcert's RSS grows by `rssGrowthMiBPerHour` and the last
 * hour's setup p95 is `lastHourSetupFactor` × the others, so drift can be made to show or not.
 * No run measured these figures; the file exists to show the report can be built from a 24 h one.
 * bench/lib/synthetic-soak.mjs builds one through the real Aggregator and buildResults instead,
 * but 24 h of it took 4 min here (2 shared cores): a benchmark, too slow for a test.
 */
type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface SoakShape {
  hours: number;
  rssGrowthMiBPerHour: number;
  lastHourSetupFactor: number;
}

const MIB = 1024 * 1024;
const RAMP_S = 60;
const CHANNELS = 1000;
/** 1,000 channels held 100 s each: 10 calls a second in the hold. */
const CPS = 10;

/** A small deterministic wobble (no Math.random: the same file every time). */
const wobble = (t: number, amp: number) => Math.round(amp * Math.sin(t / 7.3));

export function syntheticSoak(base: Doc, shape: SoakShape): Doc {
  const doc: Doc = structuredClone(base);
  const holdMs = shape.hours * 3_600_000;
  const totalS = RAMP_S + shape.hours * 3600;
  const started = Date.parse(base.startedAt);
  doc.scenario.stages = [{ durationMs: RAMP_S * 1000, target: CHANNELS }, { durationMs: holdMs, target: CHANNELS }];
  doc.durationMs = totalS * 1000;
  doc.endedAt = new Date(started + totalS * 1000 + 2000).toISOString();
  const template = base.timeline.find((p: Doc) => p.memory !== undefined) ?? base.timeline[0];
  const lastHourFrom = totalS - 3600;
  const timeline: Doc[] = new Array(totalS);
  const rows: Array<[number, number, number]> = new Array(totalS * 10);
  for (let t = 1; t <= totalS; t++) {
    const active = Math.min(CHANNELS, Math.round((t / RAMP_S) * CHANNELS));
    const slow = t > lastHourFrom ? shape.lastHourSetupFactor : 1;
    const attempts = t <= RAMP_S ? Math.round(CHANNELS / RAMP_S) : CPS;
    timeline[t - 1] = {
      ...template, t, active, offered: attempts, attempts, answers: attempts, failures: 0, failuresByCode: {},
      setupMsP50: 12 * slow, setupMsP95: 20 * slow, setupMsP99: 31 * slow, scheduleSlipMsP99: 1.2, eventLoopLagMsP99: 4.1,
      memory: {
        rssBytes: Math.round(160 * MIB + (shape.rssGrowthMiBPerHour * MIB * t) / 3600) + wobble(t, 2 * MIB),
        mainHeapUsedBytes: 40 * MIB + wobble(t, MIB),
        workersHeapUsedBytes: 60 * MIB + wobble(t + 3, MIB),
      },
    };
    for (let k = 0; k < 10; k++) {
      const tMs = (t - 1) * 1000 + (k + 1) * 100;
      // A one-row dip each hour: what thinning must keep.
      const est = tMs % 3_600_000 === 1_800_000 ? active - 40 : active;
      rows[(t - 1) * 10 + k] = [tMs, est, est];
    }
  }
  doc.timeline = timeline;
  doc.concurrencySeries = { ...base.concurrencySeries, rows };
  const hourCalls = CPS * 3600;
  const setup = (f: number) => ({
    count: hourCalls, min: 3, mean: 13 * f, p50: 12 * f, p90: 18 * f, p95: 20 * f, p99: 31 * f, max: 240 * f,
  });
  doc.stability = {
    windowMs: [RAMP_S * 1000, totalS * 1000], target: CHANNELS, hourMs: 3_600_000,
    hours: Array.from({ length: shape.hours }, (_, i) => ({
      hour: i + 1, startMs: RAMP_S * 1000 + i * 3_600_000, endMs: RAMP_S * 1000 + (i + 1) * 3_600_000,
      attempted: hourCalls, answered: hourCalls - 2, failed: 2, ser: (hourCalls - 2) / hourCalls,
      setupMs: setup(i === shape.hours - 1 ? shape.lastHourSetupFactor : 1),
    })),
  };
  doc.summary.concurrency = {
    ...doc.summary.concurrency, peak: CHANNELS, sustained: CHANNELS - 40, target: CHANNELS, littlesLawExpected: CHANNELS,
    sustainedWindowMs: [(RAMP_S + 1) * 1000, totalS * 1000],
  };
  // The whole-run counts scaled from the base run's, so their ratios stay as measured.
  const calls = doc.summary.calls;
  const k = (CHANNELS + hourCalls * shape.hours) / Math.max(1, calls.attempted);
  for (const [key, v] of Object.entries(calls)) if (typeof v === 'number' && Number.isInteger(v)) calls[key] = Math.round(v * k);
  return doc;
}
