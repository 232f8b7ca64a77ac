/**
 * rtpengine's last figures per call (rtpengine-watch.ts) beside callcert's own counts for the same
 * call (its calls.jsonl media record): one row per callcert call with media for
 * platform-media.jsonl, and the totals of summary.platformMedia.
 *
 * Direction: rtpengine counts what it received on each local port. The caller side is the tag
 * (call party) whose RTP stream is on the local port callcert's answer named (its media record's
 * `remote`); every other tag is the far end. A call whose streams cannot be told apart that way
 * keeps rtpengine's totals in its row and stays out of the per-direction sums.
 */
import type { RtpengineStream, Traffic } from '../platform/ng-client.js';
import type { RtpengineSnapshot, WatchCounters } from '../platform/rtpengine-watch.js';
import type { PlatformMediaResults } from './schema.js';
import type { RtpengineWatchSpec } from '../platform/schema.js';

/** What the join needs of a calls.jsonl record with media (engine/worker/interval-collector.ts). */
export interface CallMediaRecord {
  id: string;
  i: number;
  /** End of the call, ms after the run's start (null: not recorded). */
  endMs: number | null;
  sent: number;
  received: number;
  rtcpSent: number;
  rtcpReceived: number;
  /** The port of the address callcert sent its media to (its answer's SDP), or null. */
  remotePort: number | null;
}

const n = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/** The records with media of a calls.jsonl chunk. */
export function callMediaRecords(jsonl: string): CallMediaRecord[] {
  const out: CallMediaRecord[] = [];
  for (const line of jsonl.split('\n')) {
    if (line === '') continue;
    const r = JSON.parse(line) as { id?: unknown; i?: unknown; endMs?: unknown; media?: Record<string, unknown> };
    if (typeof r.id !== 'string' || r.media === undefined || r.media === null) continue;
    const m = r.media;
    const remote = typeof m.remote === 'string' ? Number(m.remote.slice(m.remote.lastIndexOf(':') + 1)) : NaN;
    out.push({
      id: r.id, i: n(r.i), endMs: typeof r.endMs === 'number' ? r.endMs : null,
      sent: n(m.sent), received: n(m.received), rtcpSent: n(m.rtcpSent), rtcpReceived: n(m.rtcpReceived),
      remotePort: Number.isInteger(remote) && remote > 0 ? remote : null,
    });
  }
  return out;
}

const zero = (): Traffic => ({ packets: 0, bytes: 0, errors: 0 });
const add = (a: Traffic, b: Traffic) => {
  a.packets += b.packets;
  a.bytes += b.bytes;
  a.errors += b.errors;
};

export interface Directions {
  rtp: { fromCaller: Traffic; fromCallee: Traffic };
  rtcp: { fromCaller: Traffic; fromCallee: Traffic };
}

/** The streams summed per direction, or null when no RTP stream is on the caller's port. */
export function byDirection(streams: readonly RtpengineStream[], callerPort: number | null): Directions | null {
  if (callerPort === null) return null;
  const callerTags = new Set(streams.filter((s) => !s.rtcp && s.localPort === callerPort).map((s) => s.tag));
  if (callerTags.size !== 1) return null;
  const d: Directions = { rtp: { fromCaller: zero(), fromCallee: zero() }, rtcp: { fromCaller: zero(), fromCallee: zero() } };
  for (const s of streams) {
    const side = callerTags.has(s.tag) ? 'fromCaller' : 'fromCallee';
    add(d[s.rtcp ? 'rtcp' : 'rtp'][side], s);
  }
  return d;
}

export interface PlatformMediaView {
  summary: PlatformMediaResults;
  /** platform-media.jsonl: one line per callcert call with media, in call order. */
  rows: string;
}

export function platformMediaView(
  spec: RtpengineWatchSpec,
  calls: readonly CallMediaRecord[],
  snapshots: ReadonlyMap<string, RtpengineSnapshot>,
  c: WatchCounters,
): PlatformMediaView {
  const rtp = { fromCaller: zero(), fromCallee: zero() };
  const rtcp = { fromCaller: zero(), fromCallee: zero() };
  const own = { rtpSent: 0, rtpReceived: 0, rtcpSent: 0, rtcpReceived: 0 };
  let seen = 0;
  let final = 0;
  let split = 0;
  const lines: string[] = [];
  const ours = new Set<string>();
  for (const call of [...calls].sort((a, b) => a.i - b.i)) {
    ours.add(call.id);
    const callcert = { sent: call.sent, received: call.received, rtcpSent: call.rtcpSent, rtcpReceived: call.rtcpReceived };
    const snap = snapshots.get(call.id);
    if (snap === undefined) {
      lines.push(JSON.stringify({ id: call.id, i: call.i, seen: false, callcert, rtpengine: null }));
      continue;
    }
    seen++;
    const isFinal = call.endMs !== null && snap.atMs >= call.endMs;
    if (isFinal) final++;
    const dir = byDirection(snap.streams, call.remotePort);
    if (dir !== null) {
      split++;
      add(rtp.fromCaller, dir.rtp.fromCaller);
      add(rtp.fromCallee, dir.rtp.fromCallee);
      add(rtcp.fromCaller, dir.rtcp.fromCaller);
      add(rtcp.fromCallee, dir.rtcp.fromCallee);
      own.rtpSent += call.sent;
      own.rtpReceived += call.received;
      own.rtcpSent += call.rtcpSent;
      own.rtcpReceived += call.rtcpReceived;
    }
    lines.push(JSON.stringify({
      id: call.id, i: call.i, seen: true, atMs: Math.round(snap.atMs), final: isFinal, callcert,
      rtpengine: { ...(dir ?? { rtp: null, rtcp: null }), totals: snap.totals, streams: snap.streams },
    }));
  }
  let others = 0;
  for (const id of snapshots.keys()) if (!ours.has(id)) others++;
  return {
    summary: {
      source: 'rtpengine', ng: spec.ng, intervalMs: spec.intervalMs,
      rounds: c.rounds, queries: c.queries, failures: { list: c.listFailures, query: c.queryFailures }, gone: c.gone,
      calls: { withMedia: calls.length, seen, final, split, notSeen: calls.length - seen, others },
      rtpengine: { rtp, rtcp },
      callcert: own,
    },
    rows: lines.length === 0 ? '' : `${lines.join('\n')}\n`,
  };
}
