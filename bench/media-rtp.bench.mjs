#!/usr/bin/env node
/**
 * Media micro-benchmark: the per-packet cost of the receive path a media leg runs ~50 times a
 * second per call — decodeRtp (dist/media/rtp/packet.js) on a G.711/20 ms packet and
 * RtpReceiverStats.onPacket (dist/media/quality/receiver.js) — in ns/packet, over 10 M packets.
 *
 *   npm run build && node bench/media-rtp.bench.mjs
 *   node bench/media-rtp.bench.mjs --packets 10000000 --streams 1000 --runs 3
 *
 * Cases: decode alone; onPacket on one stream; onPacket round-robin over --streams receivers
 * (1,000 calls: the state of each no longer sits in L1); decode + onPacket together; and the
 * loop with nothing in it, whose cost is included in the others. The streams lose 1 % of packets
 * and reorder 1 % (so every branch of A.1 but the restarts runs); sequence numbers wrap every 65,536. Garbage collections during each
 * timed loop are counted (PerformanceObserver 'gc'): 0 means the hot path allocated nothing worth
 * a scavenge. No npm packages; single-threaded; prints one line per case and run.
 */
import { parseArgs } from 'node:util';
import { PerformanceObserver } from 'node:perf_hooks';
import { decodeRtp, encodeRtp, RtpView } from '../dist/media/rtp/packet.js';
import { RtpReceiverStats } from '../dist/media/quality/receiver.js';

const { values: opt } = parseArgs({
  options: {
    packets: { type: 'string', default: '10000000' },
    streams: { type: 'string', default: '1000' },
    runs: { type: 'string', default: '3' },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});
if (opt.help) {
  console.log('usage: node bench/media-rtp.bench.mjs [--packets 10000000] [--streams 1000] [--runs 3]');
  process.exit(0);
}
const num = (name, v) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) {
    console.error(`media-rtp.bench: --${name} expects an integer > 0, got "${v}"`);
    process.exit(2);
  }
  return n;
};
const PACKETS = num('packets', opt.packets);
const STREAMS = num('streams', opt.streams);
const RUNS = num('runs', opt.runs);

// A ring of real G.711 packets (12-byte header + 160 bytes), distinct sequence numbers.
const RING = 1024;
const ring = [];
for (let i = 0; i < RING; i++) {
  const b = Buffer.alloc(172);
  encodeRtp(b, 0, { payloadType: 8, sequenceNumber: i, timestamp: i * 160, ssrc: 0x11223344 }, null, 160);
  ring.push(b);
}

let gcs = 0;
new PerformanceObserver((list) => (gcs += list.getEntries().length)).observe({ entryTypes: ['gc'] });
// GC entries arrive asynchronously: give them time to land before reading the counter.
const settle = () => new Promise((r) => setTimeout(r, 50));

/** Sequence number of the n-th packet: 1 % of them swapped with their successor (reordering). */
function seqOf(n) {
  const m = n % 100;
  return m === 37 ? n + 1 : m === 38 ? n - 1 : n;
}
/** 1 % of packets never arrive. */
const lostAt = (n) => n % 100 === 50;

// Each case: its setup (not timed) returns the timed loop.
const cases = {
  'empty loop (arguments only)': () => () => {
    let acc = 0;
    for (let n = 0; n < PACKETS; n++) {
      if (lostAt(n)) continue;
      const s = seqOf(n);
      acc += (s & 0xffff) + ((s * 160) >>> 0) + n * 20;
    }
    return acc;
  },
  decodeRtp: () => () => {
    const v = new RtpView();
    let acc = 0;
    for (let n = 0; n < PACKETS; n++) {
      const b = ring[n & (RING - 1)];
      acc += decodeRtp(b, 0, b.length, v) + v.sequenceNumber;
    }
    return acc;
  },
  'onPacket, 1 stream': () => {
    const rx = new RtpReceiverStats({ clockRateHz: 8000 });
    return () => {
      for (let n = 0; n < PACKETS; n++) {
        if (lostAt(n)) continue;
        const s = seqOf(n);
        rx.onPacket(s & 0xffff, (s * 160) >>> 0, 7, n * 20 + (n % 7) * 0.1, 160);
      }
      return rx.summary().packetsAccepted;
    };
  },
  [`onPacket, ${STREAMS} streams round-robin`]: () => {
    const rxs = Array.from({ length: STREAMS }, () => new RtpReceiverStats({ clockRateHz: 8000 }));
    return () => {
      for (let n = 0; n < PACKETS; n++) {
        const k = n % STREAMS;
        const i = (n - k) / STREAMS; // packet i of stream k
        if (lostAt(i)) continue;
        const s = seqOf(i);
        rxs[k].onPacket(s & 0xffff, (s * 160) >>> 0, k, i * 20 + k * 0.01, 160);
      }
      return rxs[0].summary().packetsAccepted;
    };
  },
  [`decodeRtp + onPacket, ${STREAMS} streams`]: () => {
    const v = new RtpView();
    const rxs = Array.from({ length: STREAMS }, () => new RtpReceiverStats({ clockRateHz: 8000 }));
    return () => {
      for (let n = 0; n < PACKETS; n++) {
        const b = ring[n & (RING - 1)];
        if (decodeRtp(b, 0, b.length, v) !== 0) continue;
        const k = n % STREAMS;
        const i = (n - k) / STREAMS;
        if (lostAt(i)) continue;
        const s = seqOf(i);
        rxs[k].onPacket(s & 0xffff, (s * 160) >>> 0, v.ssrc, i * 20 + k * 0.01, v.payloadBytes);
      }
      return rxs[0].summary().packetsAccepted;
    };
  },
};

console.log(`media-rtp.bench: ${PACKETS.toLocaleString('en')} packets per case, ${RUNS} run(s), node ${process.version}`);
const summary = [];
for (const [name, setup] of Object.entries(cases)) {
  setup()(); // warm-up (and JIT) at full size
  const perPacket = [];
  for (let r = 0; r < RUNS; r++) {
    const fn = setup(); // fresh receivers: every run starts from the first packet
    await settle();
    const gcBefore = gcs;
    const t0 = process.hrtime.bigint();
    const sink = fn();
    const ns = Number(process.hrtime.bigint() - t0);
    await settle();
    if (sink === undefined) throw new Error('unreachable');
    perPacket.push(ns / PACKETS);
    console.log(`${name.padEnd(40)} ${(ns / PACKETS).toFixed(1).padStart(7)} ns/packet   gc during loop: ${gcs - gcBefore}`);
  }
  perPacket.sort((a, b) => a - b);
  summary.push([name, perPacket[Math.floor(perPacket.length / 2)], perPacket[0]]);
}
console.log('\nmedian / best of the runs:');
for (const [name, median, best] of summary) {
  console.log(`${name.padEnd(40)} ${median.toFixed(1).padStart(7)} / ${best.toFixed(1).padStart(5)} ns/packet`);
}
