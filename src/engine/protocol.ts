/**
 * Messages between the main thread and the workers. Everything crossing the
 * MessagePort is plain data (structuredClone drops Error subclass fields, so
 * errors travel as {code, message, details}).
 */
import type { HttpLoadSpec, Scenario } from '../scenario/types.js';
import type { FlowWorkerSpec } from './flow-runs.js';
import type { Segment } from '../load/segments.js';
import type { CallData } from '../scenario/call-data.js';
import type { MessagePort } from 'node:worker_threads';
import type { HttpRunTotals } from '../http/run-totals.js';
import type { TransportKind } from '../sip/transport/kinds.js';

export interface ResolvedTarget {
  uri: string;
  host: string;
  port: number;
  transport: TransportKind;
}

export interface WorkerInit {
  scenario: Scenario;
  target: ResolvedTarget;
  /** Address the worker binds its SIP socket to (and puts in Via/Contact). */
  localAddress: string;
  /** This worker's number, 0 … workers − 1, of `workers`. */
  worker: number;
  workers: number;
  /** Its share of every schedule (load/segments.ts): part `worker` of the run's equal parts. */
  segment: Segment;
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


/** What a run's RTP port pools did, summed over workers (summary.media.ports). */
export type { MediaPortTotals } from '../results/media-summary.js';
import type { MediaPortTotals } from '../results/media-summary.js';

export interface WorkerDone {
  worker: number;
  interrupted: boolean;
  stopReason: string;
  /** Calls still open when the drain bound ran out. */
  unfinished: number;
  uacStats: { retransmissions: number; strayResponses: number; inDialogRequests: number };
  /** With call.media: datagrams the kernel dropped on this worker's RTP sockets (null: not known). */
  mediaSocketDrops?: number | null;
  /** With call.media: this worker's RTP port pool at the end (media/ports.ts PortPoolStats). */
  mediaPorts?: MediaPortTotals | null;
  http: Record<string, HttpRunTotals>;
}

export interface WorkerError {
  code: string;
  message: string;
  details: Record<string, unknown>;
}

/**
 * `start` fixes the run's 0, in wall-clock ms (Date.now() scale), once every worker has said
 * it is ready: the same instant for all, chosen after the slowest thread has loaded.
 */
export type MainToWorker = { type: 'stop'; reason: string } | { type: 'start'; runStartEpochMs: number };

/** Besides its IntervalReports, a worker posts this once it has loaded and waits for `start`. */
export interface WorkerReady {
  type: 'ready';
  worker: number;
}
