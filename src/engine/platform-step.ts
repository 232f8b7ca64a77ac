/**
 * The platform's own view of the calls, beside the run (scenario platform.rtpengine): started with
 * the workers, fed every interval's call records, stopped once every worker is done — one last
 * round then reads the calls' final figures — and joined with callcert's counts
 * (platform/platform-media.ts). Main thread only; the workers never see it. A failed request, even
 * every one (rtpengine not there), is counted in the summary, never fatal.
 */
import { callMediaRecords, platformMediaView, type CallMediaRecord, type PlatformMediaView } from '../results/platform-media.js';
import { RtpengineWatch } from '../platform/rtpengine-watch.js';
import type { Scenario } from '../scenario/types.js';

export interface PlatformWatch {
  /** One interval's calls.jsonl lines. */
  addCalls(jsonl: string): void;
  finish(): Promise<PlatformMediaView>;
}

/** `runStartEpochMs`: read at each reply (the start is fixed once the workers are ready, after this starts). */
export function startPlatformWatch(s: Scenario, runStartEpochMs: () => number): PlatformWatch | null {
  const spec = s.platform?.rtpengine ?? null;
  if (spec === null) return null;
  const watch = new RtpengineWatch(spec, () => Date.now() - runStartEpochMs());
  const calls: CallMediaRecord[] = [];
  return {
    addCalls(jsonl) {
      if (jsonl !== '') for (const c of callMediaRecords(jsonl)) calls.push(c);
    },
    async finish() {
      const { snapshots, counters } = await watch.stop();
      return platformMediaView(spec, calls, snapshots, counters);
    },
  };
}
