/**
 * The platform's own view (scenario platform.rtpengine): the scenario section (defaults, errors
 * naming field and expectation), the join of rtpengine's streams with callcert's counts (direction
 * by the caller's port, calls not seen, calls not ours), and the watch against an in-test ng
 * server on a real UDP socket — list, query, an unknown call, an error reply and a query never
 * answered, each counted, none fatal.
 */
import { createSocket, type Socket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { scenarioIssues, type RawScenario } from '../helpers/scenario-issues.js';
import { bdecode, bencode, type Bencode } from '../../src/platform/bencode.js';
import type { RtpengineStream } from '../../src/platform/ng-client.js';
import { byDirection, callMediaRecords, platformMediaView } from '../../src/results/platform-media.js';
import { RtpengineWatch, type RtpengineSnapshot } from '../../src/platform/rtpengine-watch.js';
import { scenarioFromObject } from '../../src/scenario/load.js';
import type { RtpengineWatchSpec } from '../../src/platform/schema.js';

type Raw = RawScenario;
const base = (): Raw => ({
  name: 'x',
  load: { model: 'closed', stages: [{ duration: '1s', target: 2 }, { duration: '2s', target: 2 }] },
  call: { hold: '1s', media: 'pcmu' },
});

const issues = (mutate: (o: Raw) => void): string[] => scenarioIssues(base, mutate);

const NG = 'expected "host:port" of rtpengine\'s ng control socket (its --listen-ng, e.g. "127.0.0.1:2223" or "[::1]:2223")';

describe('platform.rtpengine in a scenario', () => {
  it('off by default; set, its defaults; an IPv6 socket in brackets', () => {
    expect(scenarioFromObject(base(), 'x.yaml').platform).toBeNull();
    expect(scenarioFromObject({ ...base(), platform: { rtpengine: { ng: '127.0.0.1:2223' } } }, 'x.yaml').platform?.rtpengine).toEqual({
      host: '127.0.0.1', port: 2223, ng: '127.0.0.1:2223', intervalMs: 2000, timeoutMs: 1000, concurrency: 4, maxCalls: 10_000,
    });
    const v6 = scenarioFromObject({ ...base(), platform: { rtpengine: { ng: '[::1]:9', interval: '500ms', concurrency: 2 } } }, 'x.yaml');
    expect(v6.platform?.rtpengine).toMatchObject({ host: '::1', port: 9, intervalMs: 500, concurrency: 2 });
  });

  it.each<[string, (o: Raw) => void, string]>([
    ['no port', (o) => { o.platform = { rtpengine: { ng: '127.0.0.1' } }; }, `x.yaml: platform.rtpengine.ng: ${NG}, got "127.0.0.1"`],
    ['a port past 65535', (o) => { o.platform = { rtpengine: { ng: 'rtpe.example:70000' } }; }, `x.yaml: platform.rtpengine.ng: ${NG}, got "rtpe.example:70000"`],
    ['an IPv6 address without brackets', (o) => { o.platform = { rtpengine: { ng: '::1:2223' } }; }, `x.yaml: platform.rtpengine.ng: ${NG}, got "::1:2223"`],
    ['a number', (o) => { o.platform = { rtpengine: { ng: 2223 } }; }, `x.yaml: platform.rtpengine.ng: ${NG}, got 2223`],
    ['concurrency 0', (o) => { o.platform = { rtpengine: { ng: '127.0.0.1:1', concurrency: 0 } }; },
      'x.yaml: platform.rtpengine.concurrency: expected a whole number between 1 and 64, got 0'],
    ['without media', (o) => { o.call.media = 'none'; o.platform = { rtpengine: { ng: '127.0.0.1:1' } }; },
      'x.yaml: platform.rtpengine: expected call.media pcmu or pcma (rtpengine relays media; its figures are compared with callcert\'s; --media pcmu), got "none"'],
  ])('%s', (_what, mutate, line) => {
    expect(issues(mutate)).toContain(line);
  });
});

const stream = (tag: string, localPort: number, packets: number, rtcp = false): RtpengineStream => ({
  tag, mediaIndex: 1, localPort, endpoint: '127.0.0.1:1', packets, bytes: packets * 172, errors: 0, rtcp,
});
const SPEC: RtpengineWatchSpec = { host: '127.0.0.1', port: 1, ng: '127.0.0.1:1', intervalMs: 100, timeoutMs: 200, concurrency: 2, maxCalls: 100 };

describe('rtpengine\'s view joined with callcert\'s counts', () => {
  const streams = [stream('a', 12000, 100), stream('a', 12001, 2, true), stream('b', 12020, 99), stream('b', 12021, 1, true)];

  it('the caller side is the tag on the port callcert sent to; no such stream, no split', () => {
    expect(byDirection(streams, 12000)).toEqual({
      rtp: { fromCaller: { packets: 100, bytes: 17200, errors: 0 }, fromCallee: { packets: 99, bytes: 17028, errors: 0 } },
      rtcp: { fromCaller: { packets: 2, bytes: 344, errors: 0 }, fromCallee: { packets: 1, bytes: 172, errors: 0 } },
    });
    expect(byDirection(streams, 12020)!.rtp.fromCaller.packets).toBe(99);
    expect(byDirection(streams, 13000)).toBeNull();
    expect(byDirection(streams, null)).toBeNull();
  });

  it('rows for every callcert call with media, final when read after its end; calls not seen and not ours counted', () => {
    const jsonl = [
      { id: 'c1', i: 0, endMs: 2000, media: { sent: 100, received: 99, rtcpSent: 2, rtcpReceived: 1, remote: '127.0.0.1:12000' } },
      { id: 'c2', i: 1, endMs: 2500, media: { sent: 100, received: 100, rtcpSent: 2, rtcpReceived: 1, remote: '127.0.0.1:12040' } },
      { id: 'c3', i: 2, endMs: 3000, media: { sent: 50, received: 50, rtcpSent: 1, rtcpReceived: 0, remote: '127.0.0.1:12060' } },
      { id: 'c4', i: 3, endMs: null, cause: 'rejected' },
    ].map((r) => JSON.stringify(r)).join('\n') + '\n';
    const calls = callMediaRecords(jsonl);
    expect(calls.map((c) => [c.id, c.remotePort])).toEqual([['c1', 12000], ['c2', 12040], ['c3', 12060]]);
    const none = { packets: 0, bytes: 0, errors: 0 };
    const snap = (atMs: number, s: RtpengineStream[]): RtpengineSnapshot => ({ atMs, streams: s, totals: { rtp: none, rtcp: none } });
    const snapshots = new Map([
      ['c1', snap(2100, streams)],
      ['c2', snap(1500, [stream('x', 12040, 70), stream('y', 12050, 70)])], // read mid-call
      ['other', snap(900, [])],
    ]);
    const counters = { rounds: 3, listFailures: 1, queries: 7, queryFailures: 2, gone: 1, examples: [] };
    const v = platformMediaView(SPEC, calls, snapshots, counters);
    expect(v.summary).toEqual({
      source: 'rtpengine', ng: '127.0.0.1:1', intervalMs: 100, rounds: 3, queries: 7, failures: { list: 1, query: 2 }, gone: 1,
      calls: { withMedia: 3, seen: 2, final: 1, split: 2, notSeen: 1, others: 1 },
      rtpengine: {
        rtp: { fromCaller: { packets: 170, bytes: 29240, errors: 0 }, fromCallee: { packets: 169, bytes: 29068, errors: 0 } },
        rtcp: { fromCaller: { packets: 2, bytes: 344, errors: 0 }, fromCallee: { packets: 1, bytes: 172, errors: 0 } },
      },
      callcert: { rtpSent: 200, rtpReceived: 199, rtcpSent: 4, rtcpReceived: 2 },
    });
    const rows = v.rows.trim().split('\n').map((l) => JSON.parse(l) as Raw);
    expect(rows.map((r) => [r.id, r.seen, r.final ?? null])).toEqual([['c1', true, true], ['c2', true, false], ['c3', false, null]]);
    expect(rows[0]!.rtpengine.rtp.fromCaller.packets).toBe(100);
    expect(rows[2]!.rtpengine).toBeNull();
  });
});

/** An ng server on a UDP socket: answers as `reply` says (null: never). */
type Reply = (cmd: Record<string, Bencode>) => Record<string, Bencode> | null;
async function fakeNg(reply: Reply): Promise<{ port: number; sock: Socket; seen: string[] }> {
  const sock = createSocket('udp4');
  const seen: string[] = [];
  sock.on('message', (msg, from) => {
    const sp = msg.indexOf(0x20);
    const cmd = bdecode(msg.subarray(sp + 1)) as Record<string, Bencode>;
    seen.push(`${String(cmd.command)}${cmd['call-id'] === undefined ? '' : ` ${String(cmd['call-id'])}`}`);
    const r = reply(cmd);
    if (r !== null) sock.send(Buffer.concat([msg.subarray(0, sp + 1), bencode(r)]), from.port, from.address);
  });
  await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', () => resolve()));
  return { port: (sock.address() as AddressInfo).port, sock, seen };
}

describe('RtpengineWatch against an ng server', () => {
  const socks: Socket[] = [];
  afterEach(() => {
    for (const s of socks.splice(0)) s.close();
  });

  it('keeps each call\'s last reply; an unknown call is gone, an error reply and a timeout are failures; one more round at stop', async () => {
    let round = 0;
    const ng = await fakeNg((cmd): Record<string, Bencode> | null => {
      if (cmd.command === 'list') {
        round++;
        expect(cmd.limit).toBe(100);
        return { result: 'ok', calls: ['ok1', 'gone1', 'bad1', 'mute1'] };
      }
      const id = cmd['call-id'];
      if (id === 'ok1') {
        return {
          result: 'ok', totals: { RTP: { packets: round * 10, bytes: round * 1720, errors: 0 }, RTCP: { packets: 0, bytes: 0, errors: 0 } },
          tags: { t: { medias: [{ index: 1, streams: [{ 'local port': 12000, endpoint: { address: '127.0.0.1', port: 16384 }, flags: ['RTP'], stats: { packets: round * 10, bytes: round * 1720, errors: 0 } }] }] } },
        };
      }
      if (id === 'gone1') return { result: 'error', 'error-reason': 'Unknown call-id' };
      if (id === 'bad1') return { result: 'error', 'error-reason': 'Internal error' };
      return null;
    });
    socks.push(ng.sock);
    let t = 0;
    const w = new RtpengineWatch({ ...SPEC, port: ng.port }, () => ++t);
    await new Promise((r) => setTimeout(r, 150));
    const { snapshots, counters } = await w.stop();
    // A round takes the 200 ms timeout of mute1; stopped within the first, the watch still runs its last one
    // (a third only if this machine held the stop past the first round's end and the interval).
    expect(round).toBeGreaterThanOrEqual(2);
    expect(counters).toMatchObject({ rounds: round, listFailures: 0, queries: 4 * round, queryFailures: 2 * round, gone: round });
    expect(counters.examples.slice(0, 2)).toEqual([
      expect.stringMatching(/^query bad1: .*Internal error/),
      expect.stringMatching(/^query mute1: ng query: no reply from 127\.0\.0\.1:\d+ within 200 ms$/),
    ]);
    expect(ng.seen.filter((x) => x === 'query mute1').length).toBe(round);
    expect([...snapshots.keys()]).toEqual(['ok1']);
    expect(snapshots.get('ok1')!.streams).toEqual([{ tag: 't', mediaIndex: 1, localPort: 12000, endpoint: '127.0.0.1:16384', packets: round * 10, bytes: round * 1720, errors: 0, rtcp: false }]);
    expect(snapshots.get('ok1')!.totals.rtp.packets).toBe(round * 10);
  });

  it('nothing listening: every list times out and is counted; stop still returns', async () => {
    const ng = await fakeNg(() => null);
    socks.push(ng.sock);
    const w = new RtpengineWatch({ ...SPEC, port: ng.port, timeoutMs: 50, intervalMs: 20 }, () => 0);
    await new Promise((r) => setTimeout(r, 200));
    const { snapshots, counters } = await w.stop();
    expect(snapshots.size).toBe(0);
    expect(counters.rounds).toBe(0);
    expect(counters.queries).toBe(0);
    expect(counters.listFailures).toBeGreaterThanOrEqual(2);
    expect(counters.listFailures).toBe(ng.seen.length);
  });
});
