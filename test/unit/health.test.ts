import { afterEach, describe, expect, it } from 'vitest';
import { cpuSampler, createHealthMonitor, saturationReasons } from '../../src/metrics/health.js';
import type { HealthMonitor, LoopDelayHistogram } from '../../src/metrics/health.js';
import { createLatencyHistogram, decodeHistogram, mergeInto, percentileMs, recordMs } from '../../src/metrics/histograms.js';

/** An event-loop delay histogram with samples set by the test (ns, like perf_hooks'). */
class FakeLoop implements LoopDelayHistogram {
  enabled = false;
  private samples: number[] = [];
  get count(): number { return this.samples.length; }
  get max(): number { return Math.max(0, ...this.samples); }
  add(...ms: number[]): void { this.samples.push(...ms.map((m) => m * 1e6)); }
  percentile(p: number): number {
    const sorted = [...this.samples].sort((a, b) => a - b);
    return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
  }
  enable(): boolean { this.enabled = true; return true; }
  disable(): boolean { this.enabled = false; return true; }
  reset(): void { this.samples = []; }
}

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

  it('keeps interval and run views apart', () => {
    // Injected event-loop delay histograms: the figures come from these samples, not the host's load.
    const fakes: FakeLoop[] = [];
    mon = createHealthMonitor({ resolutionMs: 10, loopDelay: () => { const f = new FakeLoop(); fakes.push(f); return f; } });
    expect(fakes.map((f) => f.enabled)).toEqual([true, true]);
    const [runLoop, intervalLoop] = fakes as [FakeLoop, FakeLoop];
    // A 50 ms block: one sample of 60 ms on a 10 ms timer, seen by both views.
    for (const f of fakes) f.add(10, 10, 60);
    mon.recordSlipMs(2);
    mon.recordSlipMs(40);
    mon.recordSlipMs(-3); // early: counts as 0
    expect(mon.snapshot('interval')).toMatchObject({ eventLoopLagMsMax: 50, slipCount: 3 });
    mon.resetInterval();
    expect(runLoop.count).toBe(3);
    expect(intervalLoop.count).toBe(0);
    for (const f of fakes) f.add(11);
    mon.recordSlipMs(1);
    const interval = mon.snapshot('interval');
    const run = mon.snapshot('run');
    expect(interval.slipCount).toBe(1);
    expect(interval.scheduleSlipMsMax).toBe(1);
    // After the reset only the 11 ms sample is left in the interval: 1 ms of lag.
    expect(interval.eventLoopLagMsMax).toBe(1);
    expect(interval.eventLoopLagMsP99).toBe(1);
    expect(run.slipCount).toBe(4);
    expect(run.scheduleSlipMsMax).toBeCloseTo(40, 1);
    expect(run.scheduleSlipMsP99).toBeCloseTo(40, 1);
    expect(run.eventLoopLagMsMax).toBe(50);
    // The encoded histogram merges exactly across workers.
    const merged = createLatencyHistogram();
    mergeInto(merged, decodeHistogram(run.slipHistogram));
    mergeInto(merged, decodeHistogram(interval.slipHistogram));
    expect(merged.totalCount).toBe(5);
    expect(percentileMs(merged, 100)).toBeCloseTo(40, 1);
    mon.stop();
    expect(fakes.map((f) => f.enabled)).toEqual([false, false]);
  });

  it('reports zeros before anything was measured', () => {
    mon = createHealthMonitor();
    const s = mon.snapshot();
    expect(s).toMatchObject({ scheduleSlipMsP99: 0, scheduleSlipMsMax: 0, slipCount: 0 });
    expect(decodeHistogram(s.slipHistogram).totalCount).toBe(0);
  });
});

describe('cpuSampler', () => {
  it('reports CPU use of one core since the previous call, from injected clocks', () => {
    let cpu = { user: 0, system: 0 };
    let ns = 0n;
    const sample = cpuSampler({ cpuUsage: () => cpu, nowNs: () => ns });
    // 100 ms of wall time, 80 ms user + 10 ms system: 90 % of one core.
    ns += 100_000_000n;
    cpu = { user: 80_000, system: 10_000 };
    expect(sample()).toBe(90);
    // Two threads busy for 100 ms: 200 %.
    ns += 100_000_000n;
    cpu = { user: 270_000, system: 20_000 };
    expect(sample()).toBe(200);
    // Idle.
    ns += 100_000_000n;
    expect(sample()).toBe(0);
    // No wall time elapsed: 0, not a division by zero.
    expect(sample()).toBe(0);
  });

  it('reads the real process counters by default', () => {
    const sample = cpuSampler();
    busy(20);
    expect(sample()).toBeGreaterThan(0);
  });
});

describe('saturationReasons', () => {
  const lim = { maxScheduleSlipMsP99: 20, maxEventLoopLagMsP99: 50 };
  const slips = (ms: number[]) => {
    const h = createLatencyHistogram();
    for (const v of ms) recordMs(h, v);
    return h;
  };

  it('one late call in a short run is not saturation: its p99 is the maximum', () => {
    expect(saturationReasons(slips([...Array<number>(14).fill(0.5), 25]), 1, lim)).toEqual([]);
  });

  it('two calls past the limit are', () => {
    expect(saturationReasons(slips([...Array<number>(13).fill(0.5), 25, 30]), 1, lim)).toEqual([
      'generator saturated: schedule slip p99 30.015 ms > 20 ms (the numbers would measure callcert, not the target)',
    ]);
  });

  it('over 100 calls the p99 rules: 1 % late passes, 2 % fails', () => {
    expect(saturationReasons(slips([...Array<number>(198).fill(0.5), 25, 25]), 1, lim)).toEqual([]);
    expect(saturationReasons(slips([...Array<number>(196).fill(0.5), 25, 25, 25, 25]), 1, lim)).toHaveLength(1);
  });

  it('event-loop lag past its limit', () => {
    expect(saturationReasons(slips([0.5]), 51, lim)).toEqual(['generator saturated: event-loop lag p99 51 ms > 50 ms']);
  });
});
