/**
 * The recording probe, run on the main thread after the calls and before the results are final
 * (engine/run.ts): for every answered call in calls.jsonl, or an evenly spread sample of them, it
 * fetches the platform's recording (recording-fetch.ts) and checks it (recording-check.ts). Its
 * result is summary.recordings and the `recording_completeness` criterion:
 * valid recordings ÷ calls checked.
 */
import { recordingStem } from '../media/recording-files.js';
import type { G711Law } from '../media/g711.js';
import { readCallRecords } from '../results/calls-file.js';
import { RECORDING_FAILURE_CAUSES, type RecordingFailureCause, type RecordingsResults } from '../results/schema.js';
import type { RecordingsProbeSpec } from '../scenario/recordings.js';
import { checkRecording } from './recording-check.js';
import { openFetcher, type CallVars, type HttpContext } from './recording-fetch.js';

/** What the probe needs of a calls.jsonl record (engine/worker/interval-collector.ts). */
export interface AnsweredCall {
  /** SIP Call-ID. */
  id: string;
  /** The call's index in the run: its media marker tag. */
  i: number;
  w: number;
  /** Answer, ms after the run's start. */
  answerMs: number;
  /** Talk time: answer → BYE (or end), ms. */
  durationMs: number;
  /** The codec the call's media ran with (PCMU, PCMA), when it had media. */
  codec: string | null;
}

export interface ProbeContext {
  /** The run's start, epoch ms ({{date}} of each answer). */
  runStartEpochMs: number;
  /** The scenario's codec (the law a call without a media record is read in). */
  law: G711Law;
  http: Omit<HttpContext, 'concurrency'>;
}

export interface CallCheck {
  call: AnsweredCall;
  valid: boolean;
  cause: RecordingFailureCause | null;
  detail: string | null;
}

export interface ProbeResult {
  summary: RecordingsResults;
  /** One per call checked, in call order: why each failed (for logs and tests). */
  checks: CallCheck[];
}

/** Answered calls of calls.jsonl (a path, or its bytes): records with an answer and a Call-ID, in call order. */
export async function answeredCalls(source: string | Buffer): Promise<AnsweredCall[]> {
  const out: AnsweredCall[] = [];
  for await (const rec of readCallRecords(source, { malformed: 'throw' })) {
    const r = rec as {
      id?: string | null; i: number; w?: number; answerMs?: number | null; durationMs?: number; media?: { codec?: string };
    };
    if (typeof r.id !== 'string' || typeof r.answerMs !== 'number') continue;
    out.push({ id: r.id, i: r.i, w: r.w ?? 0, answerMs: r.answerMs, durationMs: r.durationMs ?? 0, codec: r.media?.codec ?? null });
  }
  return out.sort((a, b) => a.i - b.i);
}

/** `n` of `calls`, evenly spread (the middle of each of n equal slices): deterministic, covers the whole run. */
export function sampleCalls<T>(calls: readonly T[], n: number | null): T[] {
  if (n === null || n >= calls.length) return [...calls];
  return Array.from({ length: n }, (_, k) => calls[Math.floor(((k + 0.5) * calls.length) / n)]);
}

export async function probeRecordings(spec: RecordingsProbeSpec, calls: readonly AnsweredCall[], ctx: ProbeContext): Promise<ProbeResult> {
  const chosen = sampleCalls(calls, spec.sample);
  const fetcher = await openFetcher(spec.source, { ...ctx.http, concurrency: spec.concurrency }, recordingStem);
  const checks: CallCheck[] = new Array(chosen.length);
  let next = 0;
  const worker = async () => {
    for (let k = next++; k < chosen.length; k = next++) checks[k] = await checkOne(chosen[k]);
  };
  const checkOne = async (call: AnsweredCall): Promise<CallCheck> => {
    const date = new Date(ctx.runStartEpochMs + call.answerMs).toISOString().slice(0, 10);
    const v: CallVars = { callId: call.id, index: call.i, worker: call.w, date };
    const got = await fetcher.fetch(v);
    if (got.kind === 'missing') return { call, valid: false, cause: 'missing', detail: got.detail };
    if (got.kind === 'error') return { call, valid: false, cause: 'fetch_error', detail: got.detail };
    const law: G711Law = call.codec === null ? ctx.law : call.codec.toUpperCase() === 'PCMA' ? 'pcma' : 'pcmu';
    const r = checkRecording(got.bytes, {
      talkMs: call.durationMs, toleranceMs: spec.toleranceMs, silenceDbov: spec.silenceDbov,
      markerTag: spec.marker ? call.i >>> 0 : null, law,
    });
    return r.ok ? { call, valid: true, cause: null, detail: null } : { call, valid: false, cause: r.cause, detail: r.detail };
  };
  try {
    await Promise.all(Array.from({ length: Math.min(spec.concurrency, chosen.length) }, worker));
  } finally {
    await fetcher.close();
  }
  const failures = Object.fromEntries(RECORDING_FAILURE_CAUSES.map((c) => [c, 0])) as Record<RecordingFailureCause, number>;
  let valid = 0;
  for (const c of checks) {
    if (c.valid) valid++;
    else failures[c.cause!]++;
  }
  return {
    summary: {
      source: spec.source.kind,
      checked: checks.length,
      answered: calls.length,
      valid,
      completeness: checks.length === 0 ? 0 : Math.round((valid / checks.length) * 1e6) / 1e6,
      failures,
      toleranceMs: spec.toleranceMs,
      sample: spec.sample,
    },
    checks,
  };
}
