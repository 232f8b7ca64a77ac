/**
 * Messages between the main thread and the workers. Everything crossing the
 * MessagePort is plain data (structuredClone drops Error subclass fields, so
 * errors travel as {code, message, details}).
 */
import type { HttpLoadSpec, Scenario } from '../scenario/types.js';
import type { HttpIntervalData, HttpRunTotals } from './http-runs.js';
import type { FlowIntervalData, FlowWorkerSpec, OutboundIntervalData } from './flow-runs.js';
import type { Segment } from './segment.js';
import type { CallData } from '../scenario/call-data.js';
import type { MessagePort } from 'node:worker_threads';

export interface ResolvedTarget {
  uri: string;
  host: string;
  port: number;
  transport: 'udp' | 'tcp';
}

export interface WorkerInit {
  scenario: Scenario;
  target: ResolvedTarget;
  /** Address the worker binds its SIP socket to (and puts in Via/Contact). */
  localAddress: string;
  segment: Segment;
  /** Wall-clock ms (Date.now() scale) at which every worker starts its schedule. */
  runStartEpochMs: number;
  seed: number;
  /** This worker's HTTP loads, URLs resolved and headers complete. */
  http: HttpLoadSpec[];
  /** Every HTTP flow (each worker runs its segment of each), with feeder rows. */
  flows?: FlowWorkerSpec[];
  /** call.data's rows, read on the main thread (every worker gets all; call k picks its own). */
  callData?: CallData | null;
  /** How long to wait for BYE answers when the run ends or is stopped. */
  drainMs: number;
  port: MessagePort;
  userAgent: string;
}

/** Counters that add across workers and intervals. */
export interface Counters {
  attempts: number;
  answers: number;
  failures: number;
  blocked: number;
  completed: number;
  /** Answered calls the end of the run hung up before their hold elapsed (not in `completed`). */
  cutAtEnd: number;
  aborted: number;
  /** Attempts that got no response at all (not even 100 Trying): timeouts and aborted ones. */
  noResponse: number;
  /** Answered calls with no provisional response before their 200 (no PDD for them). */
  noProvisional: number;
  timeouts: number;
  retransmissions: number;
  parseErrors: number;
  transportErrors: number;
  /** Final response code of every INVITE transaction that got one (200 included). */
  finalByCode: Record<string, number>;
  /** Failed calls by final code (non-2xx). */
  failuresByCode: Record<string, number>;
  /** Failed or abnormally ended calls by cause. */
  failuresByCause: Record<string, number>;
}

export function emptyCounters(): Counters {
  return {
    attempts: 0, answers: 0, failures: 0, blocked: 0, completed: 0, cutAtEnd: 0, aborted: 0, noResponse: 0, noProvisional: 0, timeouts: 0,
    retransmissions: 0, parseErrors: 0, transportErrors: 0, finalByCode: {}, failuresByCode: {}, failuresByCause: {},
  };
}

/**
 * Per-second data (timeline slots) keeps its histograms this many report intervals
 * behind the newest report — workers report every second, so a report for an older
 * interval has all but never come — then its percentiles are frozen and the
 * histograms freed. Keeping every second's histograms (~92 KB each, several per
 * second) would hold ~0.5 GB on the main thread through a 30-minute certification run.
 */
export const SETTLE_SLOTS = 10;

export function addCounters(into: Counters, from: Counters): void {
  into.attempts += from.attempts;
  into.answers += from.answers;
  into.failures += from.failures;
  into.blocked += from.blocked;
  into.completed += from.completed;
  into.cutAtEnd += from.cutAtEnd;
  into.aborted += from.aborted;
  into.noResponse += from.noResponse;
  into.noProvisional += from.noProvisional;
  into.timeouts += from.timeouts;
  into.retransmissions += from.retransmissions;
  into.parseErrors += from.parseErrors;
  into.transportErrors += from.transportErrors;
  addMap(into.finalByCode, from.finalByCode);
  addMap(into.failuresByCode, from.failuresByCode);
  addMap(into.failuresByCause, from.failuresByCause);
}

export function addMap(into: Record<string, number>, from: Record<string, number>): void {
  for (const k in from) into[k] = (into[k] ?? 0) + from[k];
}

export function bump(map: Record<string, number>, key: string): void {
  map[key] = (map[key] ?? 0) + 1;
}

/** One worker's second of activity. */
export interface IntervalReport {
  type: 'interval';
  worker: number;
  /** Interval number: covers [seq·1000, (seq+1)·1000) ms after run start. */
  seq: number;
  counters: Counters;
  /** Encoded HDR histograms (µs) of this interval. */
  setupHist: string;
  pddHist: string;
  pddFailedHist: string;
  sddHist: string;
  slipHist: string;
  /** Established-call samples every 100 ms: [sampleIndex, established, inProgress]. */
  samples: Array<[number, number, number]>;
  /** Call records (JSON lines) of calls that ended in this interval. */
  calls: string;
  eventLoopLagMsP99: number;
  eventLoopLagMsMax: number;
  /** p99 of the event-loop lag since the worker started. */
  eventLoopLagMsP99Run: number;
  heapUsedBytes: number;
  offered: number;
  /** Per HTTP load run by this worker. */
  http: Record<string, HttpIntervalData>;
  /** Per HTTP flow (http.flows), this worker's share. */
  flows?: Record<string, FlowIntervalData>;
  /** The worker's UAS (scenario `uas`): outbound legs, dial latency, established samples. */
  outbound?: OutboundIntervalData | null;
  /** Flow records (JSON lines, flows.jsonl) of flow instances that ended or were blocked in this interval. */
  flowRecords?: string;
}

export interface WorkerDone {
  worker: number;
  interrupted: boolean;
  stopReason: string;
  /** Calls still open when the drain bound ran out. */
  unfinished: number;
  uacStats: { retransmissions: number; strayResponses: number; inDialogRequests: number };
  http: Record<string, HttpRunTotals>;
}

export interface WorkerError {
  code: string;
  message: string;
  details: Record<string, unknown>;
}

export type MainToWorker = { type: 'stop'; reason: string };
