/**
 * The shipped outbound campaign, shortened (10 originates/s for 10 s, calls held
 * 5 s by the platform: ~50 concurrent), through the built CLI: every call created
 * through the CTI API reaches callcert's UAS, is answered and ends; the dial
 * latency has one sample per call; the UAS counters and the flow counters
 * agree; the scenario's own criteria on outbound and flow metrics pass, each with
 * the figure results.json publishes beside it. The dial-latency criterion is
 * loosened to p(95)<5000 here: its shipped 50 ms bound is about the host's speed.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readResults, runCli, tempDir } from '../helpers/cli.js';

interface FlowRecord {
  flow: string;
  i: number;
  ok: boolean;
  cause: string | null;
  steps: Array<{ step: string; ms: number | null; status: number | null; cause: string | null }>;
  originateMs: number | null;
  inviteMs: number | null;
  dialMs: number | null;
}

describe('callcert run scenarios/outbound-campaign.yaml (shortened)', () => {
  it('holds ~50 outbound calls with zero failures and reports dial latency per call', async () => {
    const out = `${tempDir('outbound')}/out`;
    const r = await runCli(
      [
        'run', 'scenarios/outbound-campaign.yaml', '--quiet', '--out', out,
        '--set', 'load.stages=[{duration: 1s, target: 1}, {duration: 14s, target: 1}]',
        '--set', 'http.flows[0].stages=[{duration: 2s, target: 10}, {duration: 8s, target: 10}]',
        '--set', 'http.flows[0].steps[0].request.body.holdMs=5000',
        // ~50 up at once instead of ~300: the shipped ">=200" scaled down.
        '--set', 'criteria.outbound_concurrency_sustained=[">=45"]',
        '--set', 'criteria.dial_latency_ms=["p(95)<5000"]',
      ],
      { timeoutSec: 90 },
    );
    expect(r.code, r.stderr).toBe(0);
    const res = readResults(out);
    // Λ = 10/s × 2 s / 2 + 10/s × 8 s = 90 flows (uniform arrivals).
    const flow = res.summary.httpFlows.originate as {
      started: number;
      completed: number;
      failed: number;
      blocked: number;
      steps: Record<string, { count: number }>;
    };
    expect(flow).toMatchObject({ started: 90, completed: 90, failed: 0, blocked: 0 });
    expect(flow.steps.originate.count).toBe(90);
    expect(flow.steps.invite.count).toBe(90);
    const ob = res.summary.outbound!;
    expect(ob.calls).toEqual({ offered: 90, answered: 90, completed: 90, failed: 0, uncorrelated: 0, unfinished: 0 });
    expect(ob.dialLatencyMs.count).toBe(90);
    expect(ob.dialLatencyMs.p50).toBeGreaterThan(0);
    // 10/s × 5 s: 50 up at once once the ramp is over, +1 as an arrival and a hang-up
    // interleave; never more (no overshoot). Sustained is the minimum, so at most the peak.
    expect(ob.concurrency.peak).toBeLessThanOrEqual(51);
    expect(ob.concurrency.sustained).toBeLessThanOrEqual(ob.concurrency.peak);
    // The inbound trickle is untouched by the campaign.
    expect(res.summary.calls.failed).toBe(0);
    expect(r.stdout).toMatch(/outbound \(callcert UAS\): 90 INVITEs, 90 answered, 90 completed, 0 failed, 0 uncorrelated/);
    expect(r.stdout).toMatch(/dial latency \(API request → INVITE\): p50 [\d.]+ ms p95 [\d.]+ ms p99 [\d.]+ ms max [\d.]+ ms \(90 calls\)/);
    expect(res.timeline.some((p) => (p.outbound?.established ?? 0) >= 45)).toBe(true);
    // The shipped criteria, judged on the same figures.
    expect(res.verdict).toBe('passed');
    const actual = Object.fromEntries(res.criteria.map((c) => [`${c.metric} ${c.criterion}`, [c.actual, c.pass]]));
    expect(actual).toEqual({
      'ser >=0.999': [1, true],
      'failed_calls ==0': [0, true],
      'dial_latency_ms p(95)<5000': [ob.dialLatencyMs.p95, true],
      'outbound_failed ==0': [0, true],
      'outbound_concurrency_sustained >=45': [ob.concurrency.sustained, true],
      'flow_failures{flow:originate} ==0': [0, true],
    });
    expect(r.stdout).toMatch(/^criterion dial_latency_ms p\(95\)<5000: pass \(actual [\d.]+\)$/m);

    // flows.jsonl: one record per flow instance, from which the summary's figures follow.
    const recs = readFileSync(`${out}/flows.jsonl`, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as FlowRecord);
    expect(recs).toHaveLength(90);
    expect(new Set(recs.map((x) => x.i)).size).toBe(90);
    expect(recs.every((x) => x.flow === 'originate' && x.ok && x.cause === null)).toBe(true);
    expect(recs.every((x) => x.steps.map((st) => st.step).join() === Object.keys(flow.steps).join())).toBe(true);
    const dial = recs.map((x) => x.dialMs!).sort((a, b) => a - b);
    expect(dial.every((d) => d > 0)).toBe(true);
    // The median of the per-call records is the summary's p50, within the histogram's 3-digit precision.
    expect(Math.abs(dial[Math.ceil(0.5 * dial.length) - 1] - ob.dialLatencyMs.p50!)).toBeLessThanOrEqual(
      ob.dialLatencyMs.p50! * 0.002 + 0.002,
    );
    expect(Math.max(...dial)).toBeCloseTo(ob.dialLatencyMs.max!, 1);
    // The INVITE of each call follows its originate request.
    expect(recs.every((x) => x.inviteMs! >= x.originateMs!)).toBe(true);
  });
});
