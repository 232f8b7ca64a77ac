/**
 * The run's post-call step for the recording probe (probe/recording-probe.ts): the answered calls
 * read back from the run's calls.jsonl, and where a path template goes — http.baseUrl, else the embedded
 * CTI API with its own token. Runs on the main thread once every worker is done, before the
 * results are built, so `recording_completeness` is judged like any other criterion.
 */
import { answeredCalls, probeRecordings } from '../probe/recording-probe.js';
import type { RecordingsResults } from '../results/schema.js';
import type { Scenario } from '../scenario/types.js';

export interface RecordingStepContext {
  runStartEpochMs: number;
  /** The embedded CTI API, when the run started one. */
  cti: { url: string; token: string } | null;
  /** A probe that could not run at all makes the run invalid (its figure would be no evidence). */
  onError(message: string): void;
}

export async function runRecordingProbe(
  s: Scenario,
  /** calls.jsonl's path once written up to the run's end (an output's `callsFile`); null: no output writes one. */
  callsFile: (() => Promise<string>) | null,
  ctx: RecordingStepContext,
): Promise<RecordingsResults | null> {
  const spec = s.recordings;
  if (spec === null || s.media.codec === null) return null;
  try {
    if (callsFile === null) throw new Error('no output writes calls.jsonl (the results directory), where the answered calls are read from');
    const file = await callsFile();
    if (spec.delayMs > 0) await new Promise((r) => setTimeout(r, spec.delayMs));
    const baseUrl = s.http?.baseUrl ?? ctx.cti?.url ?? null;
    const viaCti = (s.http === null || s.http.baseUrl === null) && ctx.cti !== null;
    const { summary } = await probeRecordings(spec, await answeredCalls(file), {
      runStartEpochMs: ctx.runStartEpochMs,
      law: s.media.codec,
      http: { baseUrl, defaultToken: viaCti ? ctx.cti!.token : (s.http?.token ?? null) },
    });
    return summary;
  } catch (e) {
    ctx.onError(`the recording probe could not run: ${(e as Error).message}`);
    return null;
  }
}
