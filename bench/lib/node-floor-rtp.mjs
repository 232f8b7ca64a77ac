#!/usr/bin/env node
/**
 * The least a Node.js program does to send N calls' G.711 RTP from per-call sockets (what
 * callcert's per-call port pairs require): N connected UDP sockets, one 1 ms timer, each tick
 * sending every packet due (a 12-byte header with a sequence number and timestamp, 160 bytes of
 * payload) — no statistics, no receive path, no RTCP, no sessions. bench/media-send.bench.mjs
 * runs it beside SIPp and callcert, so the ratio says how much of callcert's cost is Node's own.
 *
 *   node bench/lib/node-floor-rtp.mjs --streams 1000 --ramp-rate 100 --port SINK --seconds 60
 */
import dgram from 'node:dgram';
import { parseArgs } from 'node:util';

const { values: o } = parseArgs({
  options: { streams: { type: 'string' }, 'ramp-rate': { type: 'string' }, port: { type: 'string' }, seconds: { type: 'string' } },
  strict: true,
});
const N = Number(o.streams), RATE = Number(o['ramp-rate']), PORT = Number(o.port), SECONDS = Number(o.seconds);
/** 20 one-millisecond phases: a stream in bucket b sends at b, b + 20, b + 40 … ms. */
const buckets = Array.from({ length: 20 }, () => []);
let count = 0;
const t0 = Math.ceil(performance.now());
const add = async () => {
  const s = dgram.createSocket('udp4');
  await new Promise((r) => s.bind(0, '127.0.0.1', r));
  await new Promise((r) => s.connect(PORT, '127.0.0.1', r));
  const buf = Buffer.alloc(172);
  buf[0] = 0x80;
  buckets[count++ % 20].push({ s, buf, seq: 0 });
};
// Streams join at the ramp rate, like calls being answered.
let joined = 0;
const ramp = setInterval(() => {
  for (let i = 0; i < RATE / 10 && joined < N; i++, joined++) void add();
  if (joined >= N) clearInterval(ramp);
}, 100);
let cursor = 0; // next millisecond (since t0) to send
const tick = () => {
  const now = performance.now() - t0;
  for (; cursor <= now; cursor++) {
    for (const st of buckets[cursor % 20]) {
      st.buf.writeUInt16BE(st.seq & 0xffff, 2);
      st.buf.writeUInt32BE((st.seq * 160) >>> 0, 4);
      st.seq++;
      st.s.send(st.buf);
    }
  }
  if (now < SECONDS * 1000) setTimeout(tick, 1);
  else process.exit(0);
};
tick();
