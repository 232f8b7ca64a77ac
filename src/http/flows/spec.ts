/** A scripted HTTP flow as the step interpreter runs it (normalised from the scenario's http.flows). */
import type { Stage } from '../../load/types.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';

export interface FlowRequestSpec {
  method: HttpMethod;
  /** Template; a path is resolved against the base URL at run time. */
  url: string;
  /** Lower-case names; values are templates. */
  headers: Record<string, string>;
  /** JSON (string leaves are templates), a text template, or none. */
  body: { kind: 'json'; value: unknown } | { kind: 'text'; value: string } | null;
}

export interface FlowCheckSpec {
  /** null: any 2xx. */
  status: number[] | null;
  body: Array<{ path: string; equals: string | number | boolean | null }>;
}

export type FlowStepSpec =
  | { name: string; kind: 'request'; request: FlowRequestSpec; expect: FlowCheckSpec; extract: Record<string, string> }
  | { name: string; kind: 'think'; minMs: number; maxMs: number }
  | { name: string; kind: 'poll'; request: FlowRequestSpec; until: FlowCheckSpec; everyMs: number; timeoutMs: number; extract: Record<string, string> }
  | { name: string; kind: 'waitCall'; timeoutMs: number };

export interface FlowSpec {
  /** Key of its results in summary.httpFlows. */
  name: string;
  arrivals: 'uniform' | 'poisson';
  /** Flow starts per second, from the run start. */
  stages: Stage[];
  maxConcurrent: number;
  connections: number;
  timeoutMs: number;
  vars: Record<string, string | number | boolean>;
  /** Absolute path (relative paths are taken from the scenario file's folder). */
  feeder: { file: string; order: 'sequential' | 'random'; recycle: boolean } | null;
  steps: FlowStepSpec[];
}
