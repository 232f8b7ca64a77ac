/**
 * The normalized, frozen scenario every other part consumes. The YAML shape
 * (schema.ts) is friendlier (durations as "20s", shorthands); load.ts turns it
 * into this. All durations are milliseconds, all rates per second.
 */

import type { UasSpec } from './flows.js';
import type { TransportKind } from '../sip/transport/types.js';
import type { LoadSpec } from '../load/types.js';
import type { FlowSpec } from '../http/flows/spec.js';
import type { CallDataSpec } from './call-data.js';
import type { MetricName } from '../metrics/catalog.js';

export type { UasSpec } from './flows.js';
export type { FlowSpec } from '../http/flows/spec.js';
export type { LoadSpec, SearchSpec, Stage } from '../load/types.js';
export type { CallDataSpec } from './call-data.js';

/** The SIP transport kinds (sip/transport/types.ts writes the list once). */
export type Transport = TransportKind;

export interface TargetSpec {
  /** Request-URI to call, e.g. sip:ivr@127.0.0.1:5060. */
  uri: string;
  /** Where to send: host and port (taken from uri unless `proxy` is given). */
  host: string;
  port: number;
  transport: Transport;
  /** Digest credentials; username and password may hold {{column}} templates of call.data. */
  auth: { username: string; password: string } | null;
}

/** Options for the embedded call centre (used when target is null, and by `callcert target`). */
export interface EmbeddedTargetSpec {
  capacity: number;
  ringMs: number;
  answerRatio: number;
  /** When set, the call centre hangs up answered calls after this long. */
  calleeHangupMs: number | null;
  /** Record every answered call (scenario/recordings.ts); null or absent: off (the default). */
  recordings?: EmbeddedRecordingsSpec | null;
  /** Outbound limits the CTI API's originate enforces (scenario/outbound-rules.ts); null or absent: none. */
  dialer?: DialerLimitsSpec | null;
}

export type Distribution =
  | { dist: 'fixed'; valueMs: number }
  | { dist: 'uniform'; minMs: number; maxMs: number }
  | { dist: 'exponential'; meanMs: number }
  | { dist: 'normal'; meanMs: number; stddevMs: number; minMs: number };




export interface CallSpec {
  hold: Distribution;
  /** CANCEL the INVITE when no final response arrived by then. */
  ringTimeoutMs: number;
  /**
   * User part of the From URI; may hold {{column}} templates of `data`. Default: the auth
   * user (target.auth.username) when it is a SIP user name, else "callcert".
   */
  fromUser: string;
  /** Display name of the From header (template); null: none. */
  displayName: string | null;
  /** User part of the Request-URI and To (template); null: target.uri's own. */
  toUser: string | null;
  /** Extra INVITE headers, names as written, values templates. */
  headers: Record<string, string>;
  /** Per-call data (scenario/call-data.ts); null: none. */
  data: CallDataSpec | null;
  /** Offer SDP (G.711) in the INVITE. */
  sdp: boolean;
}

/** A metric a criterion may judge: a name in the metric catalogue (metrics/catalog.ts). */
export type CriterionMetric = MetricName;

/** k6-style sub-metric tags: which HTTP load, flow or flow step a criterion is about. */
export interface CriterionSelector {
  load?: string;
  flow?: string;
  step?: string;
  /** A platform server: platform.targets[].name. */
  instance?: string;
}

export interface Criterion {
  /** As written in the scenario, e.g. "p(95)<800". */
  source: string;
  /** The criteria key, canonical: "setup_ms", "flow_step_ms{flow:agent-call,step:login}"; names the criterion in results.json. */
  name: string;
  metric: CriterionMetric;
  /** null for metrics that take no selector. */
  selector: CriterionSelector | null;
  /** 'value' for scalar metrics, or a percentile for histogram metrics (setup_ms, pdd_ms). */
  aggregate: { kind: 'value' } | { kind: 'percentile'; p: number } | { kind: 'max' } | { kind: 'mean' };
  op: '<' | '<=' | '>' | '>=' | '==';
  threshold: number;
  /** k6 abortOnFail: stop the run (gracefully) as soon as this fails while running. */
  abortOnFail: boolean;
  /** k6 delayAbortEval: no abort before this long after the start (let samples accumulate). */
  delayAbortEvalMs: number;
}

import type { MediaSpec } from '../media/schema.js';
import type { EmbeddedRecordingsSpec, RecordingsProbeSpec } from './recordings.js';
import type { DialerLimitsSpec, OutboundRulesSpec } from './outbound-rules.js';
import type { PlatformSpec } from '../platform/schema.js';

export interface Scenario {
  name: string;
  description: string;
  /** null: start the embedded call centre on loopback. */
  target: TargetSpec | null;
  embedded: EmbeddedTargetSpec;
  load: LoadSpec;
  call: CallSpec;
  /** Voice on every call (media/schema.ts); codec null: signalling only. */
  media: MediaSpec;
  criteria: Criterion[];
  /** HTTP (CTI / REST API) load run beside the SIP load; null: none. */
  http: HttpSpec | null;
  /** callcert's own UAS, answering the platform's outbound calls (http.flows correlate with it); null: none. */
  uas: UasSpec | null;
  /** The recording probe run after the calls (scenario/recordings.ts); null: none. */
  recordings: RecordingsProbeSpec | null;
  /** The outbound-rule probe checked on the UAS's INVITEs after the run (scenario/outbound-rules.ts); null: none. */
  outboundRules: OutboundRulesSpec | null;
  /** The platform as it reports itself (platform/schema.ts): its servers scraped, rtpengine's view of the media; null: none. */
  platform: PlatformSpec | null;
  /** Worker threads; null: cores - 1, at least 1. */
  workers: number | null;
  /** Local address to bind SIP sockets to; the default (127.0.0.1) follows the target's family (engine/preflight.ts chooseLocalAddress). */
  localAddress: string;
  generator: {
    /** The run is marked invalid when the generator's schedule slip p99 exceeds this. */
    maxScheduleSlipMsP99: number;
    /** The run is marked invalid when any worker's event-loop delay p99 exceeds this. */
    maxEventLoopLagMsP99: number;
    /** With call.media: the run is marked invalid when the RTP send slip p99 exceeds this. */
    maxMediaSendSlipMsP99: number;
  };
}

/** One fixed-rate HTTP load (an `http.load` entry), timed from intended send times. */
export interface HttpLoadSpec {
  /** Key of its results in `summary.http`. */
  name: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';
  /** Absolute http(s) URL, or a path resolved against `http.baseUrl` (or the embedded CTI API). */
  url: string;
  headers: Record<string, string>;
  /** Request body (a YAML object is sent as JSON with content-type application/json). */
  body: string | null;
  connections: number;
  /** Requests per second (fixed-rate, open model), or null for `rate: max` (closed loop, autocannon). */
  ratePerSec: number | null;
  /** Requests outstanding per connection with `rate: max`. */
  pipelining: number;
  /** Offset from the run start. */
  startMs: number;
  durationMs: number;
  timeoutMs: number;
  /** Status codes that count as success; others are counted as `unexpected_status`. */
  expectStatus: number[];
}

export interface HttpSpec {
  /** Base for relative URLs; null: the embedded CTI API when no SIP target is given. */
  baseUrl: string | null;
  /** Bearer token sent with every request (null: none; the embedded CTI API's own when it is used). */
  token: string | null;
  load: HttpLoadSpec[];
  /** Scripted multi-step flows (scenario/flows.ts). */
  flows: FlowSpec[];
}
