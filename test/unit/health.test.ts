import { afterEach, describe, expect, it } from 'vitest';
import { cpuSampler, createHealthMonitor } from '../../src/metrics/health.js';
import type { HealthMonitor } from '../../src/metrics/health.js';
import { createLatencyHistogram, decodeHistogram, mergeInto, percentileMs } from '../../src/metrics/histograms.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) { /* block the event loop */ }
}

describe('health monitor', () => {
  let mon: HealthMonitor | null = null;
  afterEach(() => { mon?.stop(); mon = null; });

  it('sees a ~50 ms block of the event loop', async () => {
    mon = createHealthMonitor({ resolutionMs: 10 });
    await sleep(30);
    busy(50);
    await sleep(40);
    const s = mon.snapshot();
    // Loose lower bounds: the assertion is about detection, not timer precision.
    expect(s.eventLoopLagMsMax).toBeGreaterThanOrEqual(30);
    expect(s.eventLoopLagMsP99).toBeGreaterThanOrEqual(30);
    expect(mon.snapshot('run').eventLoopLagMsMax).toBeGreaterThanOrEqual(30);
  });

  it('keeps interval and run views apart', async () => {
    mon = createHealthMonitor();
    await sleep(30); // let the ELD timer tick once before blocking
    busy(50);
    await sleep(30);
    mon.recordSlipMs(2);
    mon.recordSlipMs(40);
    mon.recordSlipMs(-3); // early: counts as 0
    mon.resetInterval();
    await sleep(30);
    mon.recordSlipMs(1);
    const interval = mon.snapshot('interval');
    const run = mon.snapshot('run');
    expect(interval.slipCount).toBe(1);
    expect(interval.scheduleSlipMsMax).toBe(1);
    expect(interval.eventLoopLagMsMax).toBeLessThan(30);
    expect(run.slipCount).toBe(4);
    expect(run.scheduleSlipMsMax).toBeCloseTo(40, 1);
    expect(run.scheduleSlipMsP99).toBeCloseTo(40, 1);
    expect(run.eventLoopLagMsMax).toBeGreaterThanOrEqual(30);
    // The encoded histogram merges exactly across workers.
    const merged = createLatencyHistogram();
    mergeInto(merged, decodeHistogram(run.slipHistogram));
    mergeInto(merged, decodeHistogram(interval.slipHistogram));
    expect(merged.totalCount).toBe(5);
    expect(percentileMs(merged, 100)).toBeCloseTo(40, 1);
  });

  it('reports zeros before anything was measured', () => {
    mon = createHealthMonitor();
    const s = mon.snapshot();
    expect(s).toMatchObject({ scheduleSlipMsP99: 0, scheduleSlipMsMax: 0, slipCount: 0 });
    expect(decodeHistogram(s.slipHistogram).totalCount).toBe(0);
  });
});

describe('cpuSampler', () => {
  it('reports CPU use of one core since the previous call', async () => {
    const sample = cpuSampler();
    busy(100);
    const hot = sample();
    expect(hot).toBeGreaterThan(50);
    await sleep(100);
    const idle = sample();
    expect(idle).toBeGreaterThanOrEqual(0);
    expect(idle).toBeLessThan(hot);
  });
});
