#!/usr/bin/env node
/**
 * RTP sending, callcert against SIPp 3.6's rtp_stream, side by side in one run: N calls held
 * (default 1,000), each sending G.711 20 ms packets to one sink socket in this process, and the
 * CPU each generator process spends per RTP packet sent, over a steady window once every call
 * is up. Both send only: the UAS (a SIPp scenario) answers with an SDP naming the sink, which
 * counts what arrives and sends nothing back. callcert runs one worker with media (its per-call
 * port pairs, RTP statistics and RTCP included); SIPp sends every call's stream from its one
 * media socket and measures nothing (that is the difference being priced).
 *
 *   npm run build && node bench/media-send.bench.mjs              # 1,000 calls, 2 rounds
 *   node bench/media-send.bench.mjs --calls 500 --window 10 --rounds 1
 *
 * A third "generator", the Node floor (lib/node-floor-rtp.mjs: per-call connected sockets, one
 * 1 ms timer, nothing else), shows what any Node program pays for the same packets.
 *
 * Per round the three run one after the other, in a rotated order. Printed per run:
 * packets/s the sink counted in the window, CPU % of one core, µs of CPU per packet, RSS per call;
 * then the median ratio callcert ÷ SIPp (issue 11's target: ≤ 1.2). Results JSON in
 * bench/out/media-send-<time>.json. The prompt SIPp plays is generated here (media/source).
 */
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freeUdpPort, killAll, procCpuMs, procMem, sleep } from './lib/proc.mjs';
import { sippVersion } from './lib/sipp.mjs';
import { median } from './lib/stats.mjs';
import { renderTable } from './lib/table.mjs';
import { createSource } from '../dist/media/source.js';
import { wavHeader } from '../dist/media/wav.js';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const ROOT = join(BENCH_DIR, '..');

const { values: opt } = parseArgs({
  options: {
    calls: { type: 'string', default: '1000' },
    'ramp-rate': { type: 'string', default: '100' },
    window: { type: 'string', default: '15' },
    rounds: { type: 'string', default: '2' },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});
if (opt.help) {
  console.log('usage: node bench/media-send.bench.mjs [--calls 1000] [--ramp-rate 100] [--window 15] [--rounds 2]');
  process.exit(0);
}
const int = (name) => {
  const n = Number(opt[name]);
  if (!Number.isInteger(n) || n <= 0) {
    console.error(`media-send.bench: --${name} expects an integer > 0, got "${opt[name]}"`);
    process.exit(2);
  }
  return n;
};
const CALLS = int('calls');
const RAMP_RATE = int('ramp-rate');
const WINDOW_SEC = int('window');
const ROUNDS = int('rounds');
const RAMP_SEC = Math.ceil(CALLS / RAMP_RATE);
/** After the last call is up: let the ramp's set-up work and JIT settle before measuring. */
const SETTLE_SEC = 3;
const HOLD_SEC = RAMP_SEC + SETTLE_SEC + WINDOW_SEC + 10;
const TARGET = 1.2;

const work = mkdtempSync(join(os.tmpdir(), 'callcert-media-bench-'));
process.on('exit', () => {
  killAll();
  rmSync(work, { recursive: true, force: true });
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));

// ---- the sink: counts RTP that reaches it, answers nothing ------------------------------------
const sink = dgram.createSocket('udp4');
let sunk = 0;
sink.on('message', () => sunk++);
await new Promise((r) => sink.bind(0, '127.0.0.1', r));
sink.setRecvBufferSize(8 * 1024 * 1024);
const SINK_PORT = sink.address().port;

// ---- SIPp's prompt: the same generated speech-like prompt callcert sends, as a µ-law WAV --------
const src = createSource('prompt', 'pcmu');
const audio = Buffer.alloc(src.frameBytes * src.frames); // the source's whole loop, looped again by rtp_stream
for (let i = 0; i < src.frames; i++) src.write(i, audio, i * src.frameBytes);
const WAV = join(work, 'prompt-pcmu.wav');
writeFileSync(WAV, Buffer.concat([wavHeader({ format: 'pcmu', channels: 1, sampleRateHz: 8000, dataBytes: audio.length }), audio]));

// ---- SIPp scenarios ------------------------------------------------------------------------------
const sdp = (port) => ['v=0', 'o=bench 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', `m=audio ${port} RTP/AVP 0`, 'a=rtpmap:0 PCMU/8000', 'a=ptime:20', ''].join('\r\n');
const UAS_XML = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="uas answering with the bench's sink as media">
  <recv request="INVITE" crlf="true"/>
  <send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
Contact: <sip:bench@[local_ip]:[local_port]>
Content-Type: application/sdp
Content-Length: [len]

${sdp(SINK_PORT)}]]></send>
  <recv request="ACK" optional="false" rtd="true"/>
  <recv request="BYE"/>
  <send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

]]></send>
</scenario>
`;
const UAC_XML = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="uac playing a wav with rtp_stream">
  <send retrans="500"><![CDATA[
INVITE sip:bench@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[call_number]
To: <sip:bench@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: <sip:sipp@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Type: application/sdp
Content-Length: [len]

${sdp('[media_port]')}]]></send>
  <recv response="200" rtd="true"/>
  <send><![CDATA[
ACK sip:bench@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[call_number]
To: <sip:bench@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 1 ACK
Max-Forwards: 70
Content-Length: 0

]]></send>
  <nop><action><exec rtp_stream="${WAV},-1,0"/></action></nop>
  <pause milliseconds="${HOLD_SEC * 1000}"/>
  <send retrans="500"><![CDATA[
BYE sip:bench@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[call_number]
To: <sip:bench@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 2 BYE
Max-Forwards: 70
Content-Length: 0

]]></send>
  <recv response="200"/>
</scenario>
`;
writeFileSync(join(work, 'uas.xml'), UAS_XML);
writeFileSync(join(work, 'uac.xml'), UAC_XML);

function start(cmd, args) {
  const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d) => (stderr = (stderr + d).slice(-20_000)));
  const done = new Promise((r) => child.on('exit', (code, signal) => r({ code, signal })));
  return { child, done, stderr: () => stderr };
}

function stop(p) {
  try {
    process.kill(-p.child.pid, 'SIGKILL');
  } catch {
    // gone
  }
  return p.done;
}

const sippCommon = (port, controlPort) => ['-i', '127.0.0.1', '-p', String(port), '-ci', '127.0.0.1', '-cp', String(controlPort), '-nostdin', '-t', 'u1', '-buff_size', '4194304'];

async function uas() {
  const port = await freeUdpPort();
  const p = start('sipp', ['-sf', join(work, 'uas.xml'), ...sippCommon(port, await freeUdpPort()), '-timeout', `${HOLD_SEC + 60}s`]);
  await sleep(500);
  return { port, p };
}

/** One generator's run: ramp its calls up, settle, then CPU and sink counts over the window. */
async function measure(tool) {
  const u = await uas();
  const target = `127.0.0.1:${u.port}`;
  let gen;
  if (tool === 'sipp') {
    gen = start('sipp', [
      '-sf', join(work, 'uac.xml'), ...sippCommon(await freeUdpPort(), await freeUdpPort()), '-mi', '127.0.0.1', '-mp', String(await freeUdpPort()),
      '-r', String(RAMP_RATE), '-m', String(CALLS), '-l', String(CALLS), '-timeout', `${HOLD_SEC + 30}s`, target,
    ]);
  } else if (tool === 'floor') {
    gen = start(process.execPath, [
      join(BENCH_DIR, 'lib/node-floor-rtp.mjs'), '--streams', String(CALLS), '--ramp-rate', String(RAMP_RATE), '--port', String(SINK_PORT),
      '--seconds', String(HOLD_SEC),
    ]);
  } else {
    gen = start(process.execPath, [
      join(ROOT, 'bin/callcert.js'), 'run', '--target', `sip:bench@${target}`, '--concurrency', String(CALLS), '--ramp', `${RAMP_SEC}s`,
      '--duration', `${HOLD_SEC}s`, '--hold', `${HOLD_SEC * 2}s`, '--workers', '1', '--media', 'pcmu', '--set', 'load.gracefulStop=0s',
      '--quiet', '--out', join(work, `out-${Date.now()}`),
    ]);
  }
  await sleep((RAMP_SEC + SETTLE_SEC) * 1000 + 1500);
  const pid = gen.child.pid;
  const cpu0 = procCpuMs(pid);
  const n0 = sunk;
  const t0 = performance.now();
  await sleep(WINDOW_SEC * 1000);
  const cpu1 = procCpuMs(pid);
  const n1 = sunk;
  const t1 = performance.now();
  const mem = procMem(pid);
  const load1 = os.loadavg()[0];
  await stop(gen);
  await stop(u.p);
  if (cpu0 === null || cpu1 === null) throw new Error(`${tool} exited before the window ended: ${gen.stderr().slice(-2000)}`);
  const secs = (t1 - t0) / 1000;
  const packets = n1 - n0;
  const expectedPps = CALLS * 50;
  return {
    tool, packets, pps: packets / secs, expectedPps, cpuPct: ((cpu1 - cpu0) / 10) / secs,
    usPerPacket: packets > 0 ? ((cpu1 - cpu0) * 1000) / packets : null, rssPerCallBytes: mem?.rss ? mem.rss / CALLS : null, load1,
  };
}

console.log(`media-send bench: ${CALLS} calls (ramp ${RAMP_RATE}/s), window ${WINDOW_SEC} s after ${SETTLE_SEC} s settle, ${ROUNDS} round(s); SIPp ${sippVersion()}, node ${process.version}, ${os.cpus().length} cpus`);
const runs = [];
for (let round = 0; round < ROUNDS; round++) {
  const tools = ['sipp', 'floor', 'callcert'];
  const order = [...tools.slice(round % 3), ...tools.slice(0, round % 3)];
  for (const tool of order) {
    const r = await measure(tool);
    runs.push({ round, ...r });
    console.log(`  round ${round + 1} ${tool.padEnd(8)} ${Math.round(r.pps)} pkt/s (of ${r.expectedPps}), CPU ${r.cpuPct.toFixed(1)} %, ${r.usPerPacket?.toFixed(2)} µs/packet, load ${r.load1.toFixed(2)}`);
  }
}
const med = (tool, k) => median(runs.filter((r) => r.tool === tool && r[k] !== null).map((r) => r[k]));
const rows = ['sipp', 'floor', 'callcert'].map((tool) => ({
  tool, pps: String(Math.round(med(tool, 'pps'))), cpu: med(tool, 'cpuPct').toFixed(1), us: med(tool, 'usPerPacket').toFixed(2),
  rss: `${Math.round(med(tool, 'rssPerCallBytes') / 1024)} KiB`,
}));
const columns = [
  { key: 'tool', title: 'generator' }, { key: 'pps', title: 'packets/s' }, { key: 'cpu', title: 'CPU % of a core' },
  { key: 'us', title: 'µs CPU / packet' }, { key: 'rss', title: 'process RSS ÷ calls' },
];
console.log(renderTable(columns, rows));
const ratio = med('callcert', 'usPerPacket') / med('sipp', 'usPerPacket');
const floorToSipp = med('floor', 'usPerPacket') / med('sipp', 'usPerPacket');
const callcertToFloor = med('callcert', 'usPerPacket') / med('floor', 'usPerPacket');
// A generator that did not keep its calls' 50 packets/s is not priced on the same work.
const short = runs.filter((r) => r.pps < r.expectedPps * 0.98).map((r) => `${r.tool} round ${r.round + 1}: ${Math.round(r.pps)} of ${r.expectedPps}/s`);
const verdict = short.length > 0 ? `n/a (${short.join('; ')})` : ratio <= TARGET ? 'PASS' : 'FAIL';
console.log(`CPU per RTP packet sent: Node floor ÷ SIPp ${floorToSipp.toFixed(2)}×, callcert ÷ Node floor ${callcertToFloor.toFixed(2)}×`);
console.log(`CPU per RTP packet sent, callcert ÷ SIPp rtp_stream: ${ratio.toFixed(2)}× (target ≤ ${TARGET}): ${verdict}`);
const outDir = join(BENCH_DIR, 'out');
mkdirSync(outDir, { recursive: true });
const file = join(outDir, `media-send-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(file, `${JSON.stringify({ calls: CALLS, windowSec: WINDOW_SEC, runs, ratio, floorToSipp, callcertToFloor, target: TARGET, verdict }, null, 2)}\n`);
console.log(`results: ${file}`);
sink.close();
process.exit(0);
