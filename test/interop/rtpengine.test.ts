/**
 * callcert run --media pcmu → Kamailio (rtpengine module: offer/answer/delete) → callcert's call
 * centre with its RTP echo, started in this process; rtpengine (userspace, --table=-1) relays
 * the media both ways.
 *
 * What is checked, each side by its own counters:
 *   - callcert (calls.jsonl, per call): every call completed, its answer's SDP names an
 *     rtpengine port (not the echo's), no loss, no crossed media, its own marker in every
 *     packet (rtpengine relays bit-exact), not latched elsewhere (all media came from the SDP's
 *     address, i.e. through rtpengine);
 *   - rtpengine (ng `query` per call-id): the caller-side stream's local port is the one
 *     callcert was given, its endpoint is not the echo; the callee-side stream's endpoint is the
 *     echo's port; it received every RTP packet and RTCP compound callcert sent, and what callcert
 *     received is what rtpengine received from the echo, less what was in flight at the BYE;
 *   - the echo (MediaEcho counters): it sent exactly what rtpengine received on the callee side;
 *   - Kamailio's log: one offer, answer and delete per call;
 *   - rtpengine's pcap spool (record-call=on) as the recording store of callcert's recording probe
 *     (`recordings: { rtpengine: DIR }`): every call's pcap valid (duration, level, marker both
 *     ways), completeness 1; with pcaps removed afterwards, those calls `missing`;
 *   - `platform.rtpengine`: the run's own ng watch (list + query while it goes) writes per call what
 *     the test's own query reads afterwards, and its totals equal callcert's sent counts; with no
 *     rtpengine at the address every request is counted as failed and the run stays valid.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { checkRecording } from '../../src/probe/recording-check.js';
import { answeredCalls, probeRecordings } from '../../src/probe/recording-probe.js';
import { CallCentre } from '../../src/simulator/call-centre.js';
import { describeCli, readCalls, readResults, report, requireBuiltCli, runCli, tempDir, type CallLine } from '../helpers/cli.js';
import { findKamailioModulesDir } from '../helpers/kamailio.js';
import { freeUdpPort, requireCommand } from '../helpers/procs.js';
import { queryStreams, readPcapUdp, recordingName, startKamailioWithRtpengine, startRtpengine, type RtpengineHandle, type RtpengineStream } from '../helpers/rtpengine.js';

/** Three disjoint port ranges on 127.0.0.1, below the kernel's ephemeral range: who owns a port tells which side it is. */
const RTPENGINE_PORTS = { min: 12000, max: 12999 };
const ECHO_PORTS = { min: 14000, max: 14399 };
/** callcert's caller legs: media.ports' default. */
const CALLER_PORTS = { min: 16384, max: 32767 };

const inRange = (port: number, r: { min: number; max: number }) => port >= r.min && port <= r.max;
const portOf = (hostPort: string) => Number(hostPort.slice(hostPort.lastIndexOf(':') + 1));

let root = '';
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(() => {
  requireCommand('kamailio', 'CI installs it: apt-get install kamailio');
  requireCommand('rtpengine', 'CI installs it: apt-get install rtpengine-daemon');
  findKamailioModulesDir();
  requireBuiltCli();
  root = tempDir('rtpengine');
});

afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.().catch(() => undefined);
});

afterAll(() => {
  if (root && !process.env.CALLCERT_KEEP_TMP) rmSync(root, { recursive: true, force: true });
});

interface Peers {
  rtpe: RtpengineHandle;
  cc: CallCentre;
  kamailioPort: number;
  kamailioLog: () => string;
}

async function startPeers(name: string, o: { recording: boolean; deleteDelaySec: number }): Promise<Peers> {
  const recording = o.recording;
  const rtpe = await startRtpengine({
    portMin: RTPENGINE_PORTS.min, portMax: RTPENGINE_PORTS.max, timeoutSec: 90, workDir: tempDir(`rtpengine-${name}`, root),
    deleteDelaySec: o.deleteDelaySec, ...(recording ? { recordingDir: join(root, `spool-${name}`) } : {}),
  });
  cleanups.push(() => rtpe.stop());
  const cc = await CallCentre.start({
    capacity: 50, ringMs: 10, answerRatio: 1, calleeHangupMs: null, address: '127.0.0.1', port: 0, transport: 'udp',
    media: { ports: ECHO_PORTS, initialPairs: 32 },
  });
  cleanups.push(() => cc.close());
  const kam = await startKamailioWithRtpengine({ rtpengine: rtpe, uasPort: cc.port, recordCalls: recording, timeoutSec: 90, workDir: tempDir(`kamailio-${name}`, root) });
  cleanups.push(() => kam.stop());
  return { rtpe, cc, kamailioPort: kam.port, kamailioLog: () => kam.log() };
}

/** rtpengine's view of one call: its RTP and RTCP streams on the caller's side (the port callcert's SDP names) and on the echo's. */
interface RelayView {
  callerRtp: RtpengineStream;
  callerRtcp: RtpengineStream;
  echoRtp: RtpengineStream;
  echoRtcp: RtpengineStream;
  all: RtpengineStream[];
  totalsRtp: number;
}

async function relayView(rtpe: RtpengineHandle, call: CallLine, remotePort: number): Promise<RelayView> {
  const reply = await rtpe.ng.command('query', { 'call-id': call.id! });
  if (reply.result !== 'ok') throw new Error(`query ${call.id}: ${JSON.stringify(reply)}`);
  const all = queryStreams(reply);
  const pick = (what: string, f: (s: RtpengineStream) => boolean): RtpengineStream => {
    const found = all.filter(f);
    if (found.length !== 1) throw new Error(`query ${call.id}: ${found.length} streams for ${what}: ${JSON.stringify(all)}`);
    return found[0]!;
  };
  const callerRtp = pick('the caller side (RTP)', (s) => !s.rtcp && s.localPort === remotePort);
  const echoRtp = pick('the echo side (RTP)', (s) => !s.rtcp && s.tag !== callerRtp.tag);
  const callerRtcp = pick('the caller side (RTCP)', (s) => s.rtcp && s.tag === callerRtp.tag);
  const echoRtcp = pick('the echo side (RTCP)', (s) => s.rtcp && s.tag === echoRtp.tag);
  const totals = reply.totals as { RTP?: { packets?: number } } | undefined;
  return { callerRtp, callerRtcp, echoRtp, echoRtcp, all, totalsRtp: totals?.RTP?.packets ?? -1 };
}

interface CallMedia {
  sent: number;
  received: number;
  lost: number;
  invalid: number;
  markerOwn: number;
  markerOther: number;
  rtcpSent: number;
  rtcpReceived: number;
  remote: string;
  latched: boolean;
}

describe('callcert media → Kamailio + rtpengine (userspace relay) → call centre echo', () => {
  it('20 PCMU calls relayed both ways: callcert, rtpengine (ng query per call) and the echo agree on every packet', async () => {
    // --delete-delay=60: a call the proxy deleted stays queryable while the test reads it.
    const { rtpe, cc, kamailioPort, kamailioLog } = await startPeers('relay', { recording: false, deleteDelaySec: 60 });
    const out = join(root, 'out-relay');
    const cli = await runCli(
      ['run', '--target', `sip:ivr@127.0.0.1:${kamailioPort}`, '--rate', '10', '--ramp', '0', '--duration', '2s', '--hold', '2s', '--workers', '1',
        '--media', 'pcmu', '--quiet', '--out', out],
      { timeoutSec: 45, cwd: root },
    );
    const r = readResults(out);
    const calls = readCalls(out);
    const why0 = `${describeCli(cli)}\nsummary: ${JSON.stringify(r.summary.calls)} media: ${JSON.stringify(r.summary.media)}\nkamailio log tail:\n${kamailioLog().slice(-3000)}\nrtpengine log tail:\n${rtpe.log().slice(-3000)}`;
    expect(r.summary.calls.completed, why0).toBe(20);
    expect(calls.length, why0).toBe(20);

    const listed = (await rtpe.ng.command('list')).calls;
    const rows: Array<{ id: string; callcert: CallMedia; relay: RelayView }> = [];
    for (const c of calls) {
      expect(c.cause, why0).toBe('completed');
      expect(c.media, why0).toBeDefined();
      const m = c.media as CallMedia;
      rows.push({ id: c.id!, callcert: m, relay: await relayView(rtpe, c, portOf(m.remote)) });
    }
    // Every RTP packet rtpengine forwarded to the caller left the echo first; the echo's counts are final once it is closed.
    await cc.close();
    const echo = cc.mediaCounters!;
    const sum = (f: (x: (typeof rows)[number]) => number) => rows.reduce((a, x) => a + f(x), 0);
    const figures = {
      calls: rows.length,
      callcertSent: sum((x) => x.callcert.sent), relayFromCaller: sum((x) => x.relay.callerRtp.packets), echoReceived: echo.packetsReceived,
      echoSent: echo.packetsSent, relayFromEcho: sum((x) => x.relay.echoRtp.packets), callcertReceived: sum((x) => x.callcert.received),
      callcertRtcpSent: sum((x) => x.callcert.rtcpSent), relayRtcpFromCaller: sum((x) => x.relay.callerRtcp.packets),
      relayRtcpFromEcho: sum((x) => x.relay.echoRtcp.packets), callcertRtcpReceived: sum((x) => x.callcert.rtcpReceived),
      perCall: rows.map((x) => ({
        id: x.id, sent: x.callcert.sent, relayA: x.relay.callerRtp.packets, relayB: x.relay.echoRtp.packets, received: x.callcert.received,
        rtcp: [x.callcert.rtcpSent, x.relay.callerRtcp.packets, x.relay.echoRtcp.packets, x.callcert.rtcpReceived],
      })),
    };
    report('callcert vs rtpengine', figures);
    const why = `${why0}\nfigures: ${JSON.stringify(figures)}`;

    expect(Array.isArray(listed) ? [...listed].sort() : listed, why).toEqual(rows.map((x) => x.id).sort());
    for (const { id, callcert: m, relay } of rows) {
      const w = `${why}\ncall ${id}: ${JSON.stringify(m)}\nrtpengine: ${JSON.stringify(relay.all)}`;
      // The SDP callcert got names rtpengine (its address, a port of its range), not the echo; all media came from there.
      expect(m.remote.startsWith('127.0.0.1:'), w).toBe(true);
      expect(inRange(portOf(m.remote), RTPENGINE_PORTS), w).toBe(true);
      expect(m.latched, w).toBe(false);
      // rtpengine learnt the caller on one side and the echo on the other: the echo never saw callcert's address.
      expect(inRange(portOf(relay.callerRtp.endpoint), CALLER_PORTS), w).toBe(true);
      expect(inRange(portOf(relay.echoRtp.endpoint), ECHO_PORTS), w).toBe(true);
      expect(inRange(relay.echoRtp.localPort, RTPENGINE_PORTS), w).toBe(true);
      expect(relay.all.map((s) => s.errors), w).toEqual([0, 0, 0, 0]);
      expect(relay.totalsRtp, w).toBe(relay.callerRtp.packets + relay.echoRtp.packets);
      // Both ways, relayed: nothing lost, nothing crossed, every payload this call's own.
      expect(m.sent, w).toBeGreaterThan(80); // 2 s of 20 ms frames
      expect(m.lost, w).toBe(0);
      expect(m.invalid, w).toBe(0);
      expect(m.markerOther, w).toBe(0);
      expect(m.markerOwn, w).toBe(m.received);
      // rtpengine received every packet callcert sent (the run is over: nothing is in flight) …
      expect(relay.callerRtp.packets, w).toBe(m.sent);
      // … and callcert received what rtpengine received from the echo, less the echo's last
      // packets still on their way when callcert's stream stopped at its BYE.
      expect(m.received, w).toBeLessThanOrEqual(relay.echoRtp.packets);
      expect(m.received, w).toBeGreaterThanOrEqual(relay.echoRtp.packets - 3);
      expect(m.received, w).toBeGreaterThanOrEqual(m.sent - 3);
      // RTCP is relayed too: every compound callcert sent reached rtpengine; what came back passed through it.
      expect(relay.callerRtcp.packets, w).toBe(m.rtcpSent);
      expect(m.rtcpReceived, w).toBeLessThanOrEqual(relay.echoRtcp.packets);
    }
    // The echo sent exactly what rtpengine received on its side; it received what rtpengine
    // forwarded from the callers, less what reached it after its call had ended.
    expect(echo.echoed, why).toBe(20);
    expect(echo.packetsSent, why).toBe(figures.relayFromEcho);
    expect(echo.packetsReceived, why).toBeLessThanOrEqual(figures.relayFromCaller);
    expect(echo.packetsReceived, why).toBeGreaterThanOrEqual(figures.relayFromCaller - 3 * rows.length);
    expect(r.summary.media!.calls.oneWayAudio, why).toBe(0);

    // Kamailio asked rtpengine once per call for each step.
    const log = kamailioLog();
    for (const step of ['offer', 'answer', 'delete']) {
      const ids = [...log.matchAll(new RegExp(`rtpengine ${step} (\\S+)`, 'g'))].map((x) => x[1]);
      expect(new Set(ids).size, `${why}\n${step}: ${ids.join(' ')}`).toBe(20);
    }
  }, 90_000);

  it('rtpengine records every relayed call into its pcap spool (record-call=on): one pcap per call holding what callcert sent and received', async () => {
    // --delete-delay=0: a call is gone at its delete, so its pcap is closed and its metadata written then.
    const { rtpe, kamailioPort } = await startPeers('rec', { recording: true, deleteDelaySec: 0 });
    const spool = join(root, 'spool-rec');
    const out = join(root, 'out-rec');
    const cli = await runCli(
      ['run', '--target', `sip:ivr@127.0.0.1:${kamailioPort}`, '--rate', '3', '--ramp', '0', '--duration', '1s', '--hold', '2s', '--workers', '1',
        '--media', 'pcmu', '--quiet', '--out', out],
      { timeoutSec: 30, cwd: root },
    );
    const calls = readCalls(out);
    const names = calls.map((c) => recordingName(c.id!));
    // The metadata file moves into metadata/ once rtpengine has closed the call's pcap: wait for all (bounded).
    const listing = (dir: string) => (existsSync(join(spool, dir)) ? readdirSync(join(spool, dir)) : []);
    for (let i = 0; i < 50 && !names.every((n) => listing('metadata').some((f) => f.startsWith(`rtpengine-meta-${n}-`))); i++) await sleep(100);
    const pcaps = listing('pcaps');
    const metadata = listing('metadata');
    const why = `${describeCli(cli)}\npcaps: ${JSON.stringify(pcaps)}\nmetadata: ${JSON.stringify(metadata)}\nrtpengine log:\n${rtpe.log().slice(-3000)}`;
    expect(calls.length, why).toBe(3);
    const figures: Array<Record<string, unknown>> = [];
    for (const [k, c] of calls.entries()) {
      expect(c.cause, why).toBe('completed');
      const m = c.media as CallMedia;
      const files = pcaps.filter((f) => f.startsWith(`${names[k]}-`) && f.endsWith('.pcap'));
      expect(files.length, why).toBe(1);
      expect(metadata.filter((f) => f.startsWith(`rtpengine-meta-${names[k]}-`) && f.endsWith('.txt')).length, why).toBe(1);
      const udp = readPcapUdp(readFileSync(join(spool, 'pcaps', files[0]!)));
      const relayPort = portOf(m.remote);
      // Recorded as rtpengine received it: callcert → rtpengine's caller-side port, the echo → its callee-side port.
      const fromCaller = udp.filter((d) => d.dstPort === relayPort && d.payload.length === 172);
      const fromEcho = udp.filter((d) => d.dstPort !== relayPort && d.dstPort !== relayPort + 1 && d.payload.length === 172);
      const rtcpFromCaller = udp.filter((d) => d.dstPort === relayPort + 1);
      figures.push({
        file: files[0], datagrams: udp.length, fromCaller: fromCaller.length, sent: m.sent, fromEcho: fromEcho.length, received: m.received,
        rtcpFromCaller: rtcpFromCaller.length, rtcpSent: m.rtcpSent,
      });
      const w = `${why}\ncall ${c.id}: ${JSON.stringify(figures.at(-1))}`;
      // With --delete-delay=0 the call (and its pcap) closes at Kamailio's delete on the SIP BYE: the caller's last
      // packets, still on their way then, miss the recording (CI saw 100 of 101).
      expect(fromCaller.length, w).toBeLessThanOrEqual(m.sent);
      expect(fromCaller.length, w).toBeGreaterThanOrEqual(m.sent - 3);
      expect(new Set(fromEcho.map((d) => d.srcPort)).size, w).toBe(1);
      expect(inRange(fromEcho[0]!.srcPort, ECHO_PORTS), w).toBe(true);
      expect(fromEcho.length, w).toBeGreaterThanOrEqual(m.received);
      expect(fromEcho.length, w).toBeLessThanOrEqual(m.received + 3);
      // The same for RTCP: the last compound (its BYE, RFC 3550 §6.3.7) leaves as the stream stops, at the call's end.
      expect(rtcpFromCaller.length, w).toBeLessThanOrEqual(m.rtcpSent);
      expect(rtcpFromCaller.length, w).toBeGreaterThanOrEqual(m.rtcpSent - 1);
    }
    report('rtpengine recording spool', { spool, figures });
  }, 60_000);

  it('the recording probe reads rtpengine\'s pcap spool: every relayed call valid (completeness 1), a removed pcap missing', async () => {
    const { rtpe, kamailioPort } = await startPeers('probe', { recording: true, deleteDelaySec: 0 });
    const spool = join(root, 'spool-probe');
    const out = join(root, 'out-probe');
    const file = join(root, 'probe.yaml');
    // delay: rtpengine closes a pcap at the delete on the last BYE; its metadata follows.
    writeFileSync(file, `name: rtpengine-probe
target: { uri: "sip:ivr@127.0.0.1:${kamailioPort}" }
load:
  model: closed
  stages:
    - { duration: 0s, target: 3 }
    - { duration: 3s, target: 3 }
  gracefulStop: 10s
call: { hold: 2s, media: pcmu }
recordings: { rtpengine: ${JSON.stringify(spool)}, delay: 1s }
criteria:
  recording_completeness: [">=0.99"]
workers: 1
generator: { maxScheduleSlipMsP99: 100, maxEventLoopLagMsP99: 200, maxMediaSendSlipMsP99: 100 }
`);
    const cli = await runCli(['run', file, '--quiet', '--out', out], { timeoutSec: 45, cwd: root });
    const r = readResults(out);
    const calls = readCalls(out);
    const answered = calls.filter((c) => c.cause === 'completed');
    const why = `${describeCli(cli)}\nrecordings: ${JSON.stringify(r.summary.recordings)}\npcaps: ${JSON.stringify(readdirSync(join(spool, 'pcaps')))}\nrtpengine log:\n${rtpe.log().slice(-2000)}`;
    // 3 channels of 2 s holds over 3 s, then the last calls run out: about 6 calls, all answered.
    expect(answered.length, why).toBeGreaterThanOrEqual(4);
    expect(answered.length, why).toBe(calls.length);
    expect(r.summary.recordings, why).toMatchObject({ source: 'rtpengine', checked: answered.length, answered: answered.length, valid: answered.length, completeness: 1 });
    expect(r.criteria.find((c) => c.metric === 'recording_completeness')?.pass, why).toBe(true);
    expect(cli.code, why).toBe(0);

    // The same spool through the probe in process, on the run's own calls.jsonl: the per-call checks.
    const jsonl = readFileSync(join(out, 'calls.jsonl'), 'utf8');
    const spec = (source: Parameters<typeof probeRecordings>[0]['source']) => ({
      source, sample: null as number | null, toleranceMs: 1000, silenceDbov: -50, marker: true, delayMs: 0, concurrency: 4,
    });
    const ctx = { runStartEpochMs: Date.now(), law: 'pcmu' as const, http: { baseUrl: null, defaultToken: null } };
    // A directory template finds the same files by name ({{callIdUrl}}: the Call-ID as rtpengine encodes it).
    const byName = await probeRecordings(spec({ kind: 'directory', pattern: join(spool, 'pcaps', '{{callIdUrl}}-*.pcap') }), await answeredCalls(Buffer.from(jsonl)), ctx);
    expect(byName.summary.valid, JSON.stringify(byName.checks)).toBe(answered.length);

    // What the check measured in each pcap: its span against the talk time, and both directions' markers (rtpengine relays bit-exact).
    const measured = answered.map((c) => {
      const name = readdirSync(join(spool, 'pcaps')).find((f) => f.startsWith(`${encodeURIComponent(c.id!)}-`))!;
      const m = c.media as CallMedia;
      const res = checkRecording(readFileSync(join(spool, 'pcaps', name)), { talkMs: c.durationMs!, toleranceMs: 1000, silenceDbov: -50, markerTag: c.i, law: 'pcmu' });
      return { id: c.id, talkMs: c.durationMs!, sent: m.sent, received: m.received, ...res };
    });
    for (const x of measured) {
      const w = JSON.stringify(x);
      expect(x.ok, w).toBe(true);
      if (!x.ok) continue;
      // The pcap runs from the first packet rtpengine received after the answer to its delete at the BYE.
      expect(Math.abs(x.durationMs - x.talkMs), w).toBeLessThan(200);
      // One marker per packet, both directions: what callcert sent (less the last in flight) and what the echo returned.
      expect(x.markerOwn, w).toBeGreaterThanOrEqual(x.sent + x.received - 6);
      expect(x.markerOwn, w).toBeLessThanOrEqual(x.sent + x.received + 3);
      expect(x.markerOther, w).toBe(0);
      expect(x.levelDbov, w).toBeGreaterThan(-40); // the default prompt is about -30 dBov
    }

    // Remove one call's pcap (its metadata left, naming a file that is gone) and another's pcap and metadata.
    const [a, b] = answered.map((c) => encodeURIComponent(c.id!));
    const pcaps = readdirSync(join(spool, 'pcaps'));
    const metas = readdirSync(join(spool, 'metadata'));
    rmSync(join(spool, 'pcaps', pcaps.find((f) => f.startsWith(`${a}-`))!));
    rmSync(join(spool, 'pcaps', pcaps.find((f) => f.startsWith(`${b}-`))!));
    rmSync(join(spool, 'metadata', metas.find((f) => f.startsWith(`rtpengine-meta-${b}-`))!));
    const after = await probeRecordings(spec({ kind: 'rtpengine', dir: spool }), await answeredCalls(Buffer.from(jsonl)), ctx);
    const figures = {
      calls: answered.length, run: r.summary.recordings, afterRemoval: after.summary, measured,
      talkMs: answered.map((c) => c.durationMs), missing: after.checks.filter((c) => !c.valid).map((c) => `${c.call.id}: ${c.detail}`),
    };
    report('recording probe on rtpengine\'s spool', figures);
    expect(after.summary.valid, JSON.stringify(figures)).toBe(answered.length - 2);
    expect(after.summary.failures.missing, JSON.stringify(figures)).toBe(2);
    expect(after.summary.completeness, JSON.stringify(figures)).toBeCloseTo((answered.length - 2) / answered.length, 6);
    const invalid = after.checks.filter((c) => !c.valid).map((c) => c.call.id);
    expect(invalid.sort(), JSON.stringify(figures)).toEqual([answered[0]!.id, answered[1]!.id].sort());
  }, 60_000);

  it('platform.rtpengine: the run reads rtpengine\'s own per-call view over ng (list + query) and writes it beside callcert\'s counts', async () => {
    // --delete-delay=10: longer than the interval, so a round reads every call after its BYE.
    const { rtpe, kamailioPort } = await startPeers('watch', { recording: false, deleteDelaySec: 10 });
    const out = join(root, 'out-watch');
    const file = join(root, 'watch.yaml');
    writeFileSync(file, `name: rtpengine-watch
target: { uri: "sip:ivr@127.0.0.1:${kamailioPort}" }
load:
  model: closed
  stages:
    - { duration: 0s, target: 4 }
    - { duration: 3s, target: 4 }
  gracefulStop: 10s
call: { hold: 2s, media: pcmu }
platform: { rtpengine: { ng: "127.0.0.1:${rtpe.ngPort}", interval: 500ms } }
workers: 1
generator: { maxScheduleSlipMsP99: 100, maxEventLoopLagMsP99: 200, maxMediaSendSlipMsP99: 100 }
`);
    const cli = await runCli(['run', file, '--quiet', '--out', out], { timeoutSec: 45, cwd: root });
    const r = readResults(out);
    const calls = readCalls(out);
    const pm = r.summary.platformMedia!;
    const rows = readFileSync(join(out, 'platform-media.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as PlatformRow);
    const why = `${describeCli(cli)}\nplatformMedia: ${JSON.stringify(pm)}\nrtpengine log:\n${rtpe.log().slice(-2000)}`;
    expect(cli.code, why).toBe(0);
    expect(calls.length, why).toBeGreaterThanOrEqual(6);
    expect(calls.every((c) => c.cause === 'completed'), why).toBe(true);
    // Every call seen, its last figures read after its end, both sides told apart; nothing failed.
    expect(pm, why).toMatchObject({
      source: 'rtpengine', ng: `127.0.0.1:${rtpe.ngPort}`, intervalMs: 500, failures: { list: 0, query: 0 },
      calls: { withMedia: calls.length, seen: calls.length, final: calls.length, split: calls.length, notSeen: 0, others: 0 },
    });
    // 3 s of rounds every 0.5 s plus the last one after the calls: each round lists the calls up or kept.
    expect(pm.rounds, why).toBeGreaterThanOrEqual(6);
    expect(pm.queries, why).toBeGreaterThanOrEqual(calls.length * 2);
    // rtpengine received every packet callcert sent; callcert received what rtpengine received from the echo, less its last in flight.
    const c = pm.callcert;
    const p = pm.rtpengine;
    expect(p.rtp.fromCaller.packets, why).toBe(c.rtpSent);
    expect(c.rtpSent, why).toBeGreaterThan(calls.length * 95); // 2 s of 20 ms frames each
    expect(c.rtpReceived, why).toBeLessThanOrEqual(p.rtp.fromCallee.packets);
    expect(c.rtpReceived, why).toBeGreaterThanOrEqual(p.rtp.fromCallee.packets - 3 * calls.length);
    expect(p.rtp.fromCaller.bytes, why).toBe(c.rtpSent * 172); // 12-byte header + 160 bytes of PCMU
    expect(p.rtcp.fromCaller.packets, why).toBe(c.rtcpSent);
    expect(p.rtp.fromCaller.errors + p.rtp.fromCallee.errors, why).toBe(0);

    // Row by row, what the run wrote is what rtpengine answers the test now (the calls are over, kept 10 s).
    expect(rows.map((x) => x.id).sort(), why).toEqual(calls.map((x) => x.id).sort());
    for (const row of rows) {
      const now = queryStreams(await rtpe.ng.command('query', { 'call-id': row.id }));
      const w = `${why}\nrow: ${JSON.stringify(row)}\nnow: ${JSON.stringify(now)}`;
      expect(row.final, w).toBe(true);
      const figures = (xs: RtpengineStream[]) => xs.map((s) => [s.localPort, s.packets, s.bytes]).sort();
      expect(figures(row.rtpengine.streams), w).toEqual(figures(now));
      expect(row.rtpengine.rtp.fromCaller.packets, w).toBe(row.callcert.sent);
      expect(row.rtpengine.totals.rtp.packets, w).toBe(row.rtpengine.rtp.fromCaller.packets + row.rtpengine.rtp.fromCallee.packets);
    }
    report('rtpengine view vs callcert', { calls: calls.length, platformMedia: pm });

    // The report prints the media server's count beside callcert's, equal where they are.
    const pdf = join(out, 'report.pdf');
    const rep = await runCli(['report', out, '--lang', 'en', '--output', pdf], { timeoutSec: 60, cwd: root });
    expect(rep.code, describeCli(rep)).toBe(0);
    const text = execFileSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' });
    expect(text, why).toContain("The media server's own view (rtpengine");
    expect(text, why).toMatch(new RegExp(`RTP: it received from callcert / callcert sent\\s+${pm.callcert.rtpSent} = ${pm.callcert.rtpSent}`));
  }, 90_000);

  it('platform.rtpengine with nothing listening: every request counted as failed, the run itself unaffected', async () => {
    const out = join(root, 'out-watch-none');
    const file = join(root, 'watch-none.yaml');
    const port = await freeUdpPort();
    writeFileSync(file, `name: rtpengine-watch-none
load:
  model: closed
  stages:
    - { duration: 0s, target: 2 }
    - { duration: 2s, target: 2 }
call: { hold: 1s, media: pcmu }
platform: { rtpengine: { ng: "127.0.0.1:${port}", interval: 200ms, timeout: 300ms } }
workers: 1
generator: { maxScheduleSlipMsP99: 100, maxEventLoopLagMsP99: 200, maxMediaSendSlipMsP99: 100 }
`);
    const cli = await runCli(['run', file, '--quiet', '--out', out], { timeoutSec: 30, cwd: root });
    const r = readResults(out);
    const calls = readCalls(out);
    const pm = r.summary.platformMedia!;
    const why = `${describeCli(cli)}\nplatformMedia: ${JSON.stringify(pm)}`;
    expect(cli.code, why).toBe(0);
    expect(r.valid, why).toBe(true);
    expect(pm.rounds, why).toBe(0);
    // About 2 s of rounds, each a 300 ms timeout then 200 ms, and the last one.
    expect(pm.failures.list, why).toBeGreaterThanOrEqual(3);
    expect(pm.calls, why).toEqual({ withMedia: calls.length, seen: 0, final: 0, split: 0, notSeen: calls.length, others: 0 });
    const rows = readFileSync(join(out, 'platform-media.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { seen: boolean });
    expect(rows.length, why).toBe(calls.length);
    expect(rows.every((x) => !x.seen), why).toBe(true);
  }, 40_000);
});

interface PlatformRow {
  id: string;
  final: boolean;
  callcert: { sent: number; received: number };
  rtpengine: {
    rtp: { fromCaller: { packets: number }; fromCallee: { packets: number } };
    totals: { rtp: { packets: number } };
    streams: RtpengineStream[];
  };
}
