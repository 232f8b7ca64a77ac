/**
 * Two calls' worth of real RTP over loopback: a caller stream sending the prompt with its marker
 * to an echo stream, both negotiated through real SDP (our offer, the answerer's answer), on port
 * pairs from real pools. What the caller measures must be what was sent and echoed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RtpPortPool } from '../../src/media/ports.js';
import { createOfferBuilder } from '../../src/media/sdp/offer.js';
import { createAnswerer, negotiateAnswer } from '../../src/media/sdp/answer.js';
import { parseSdp } from '../../src/media/sdp/parse.js';
import { SendSchedule } from '../../src/media/send-schedule.js';
import { MediaStream } from '../../src/media/stream.js';
import { createSource } from '../../src/media/source.js';
import { realClock } from '../../src/load/clock.js';
import { mulberry32 } from '../../src/util/random.js';
import { encodeRtp } from '../../src/media/rtp/packet.js';

const pools: RtpPortPool[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

async function pool(min: number): Promise<RtpPortPool> {
  const p = new RtpPortPool({ address: '127.0.0.1', range: { min, max: min + 199 }, quarantineMs: 0 });
  await p.open(20);
  pools.push(p);
  return p;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Our offer for `callerPort`, the answerer's plan and answer on `echoPort`, and the caller's negotiation of it. */
function negotiate(callerPort: number, echoPort: number, sessionId: number) {
  const offerBuilder = createOfferBuilder({ address: '127.0.0.1' });
  const offered = parseSdp(offerBuilder.build(callerPort, 1, 1));
  if (!offered.ok) throw new Error(offered.error.message);
  const plan = createAnswerer({ address: '127.0.0.1' }).negotiate(offered.sdp);
  if (!plan.ok) throw new Error(plan.message);
  const answer = parseSdp(createAnswerer({ address: '127.0.0.1' }).render(plan, echoPort, sessionId, sessionId));
  if (!answer.ok) throw new Error(answer.error.message);
  const neg = negotiateAnswer(offerBuilder.offered, answer.sdp);
  if (!neg.ok) throw new Error(neg.message);
  return { plan, neg };
}

/** A caller stream sending `source` and an echo answering it, negotiated as above, on pairs from two fresh pools. */
async function callerAndEcho(o: {
  callerMin: number; echoMin: number; sessionId: number;
  source: Parameters<typeof createSource>[0]; markerTag: number | null; seeds: [number, number];
}) {
  const a = await pool(o.callerMin);
  const b = await pool(o.echoMin);
  const schedule = new SendSchedule<MediaStream>({ periodMs: 20, clock: realClock, send: (s, n, due) => s.sendPacket(n, due) });
  const pa = a.take()!;
  const pb = b.take()!;
  const { plan, neg } = negotiate(pa.rtpPort, pb.rtpPort, o.sessionId);
  const echo = new MediaStream({
    pair: pb, media: plan.media, send: 'echo', markerTag: null, schedule, now: () => performance.now(), random: mulberry32(o.seeds[0]),
  });
  const caller = new MediaStream({
    pair: pa, media: neg.media, send: createSource(o.source, 'pcmu'), markerTag: o.markerTag, schedule,
    now: () => performance.now(), random: mulberry32(o.seeds[1]),
  });
  return { a, b, pa, pb, schedule, echo, caller };
}

describe('media stream', () => {
  it('a caller and an echo: every packet sent comes back, the caller hears its own marker only', async () => {
    const callerPool = await pool(41000);
    const echoPool = await pool(42000);
    const random = mulberry32(7);
    const now = () => performance.now();
    const schedule = new SendSchedule<MediaStream>({ periodMs: 20, clock: realClock, send: (s, n, due) => s.sendPacket(n, due) });

    const offerBuilder = createOfferBuilder({ address: '127.0.0.1' });
    const callerPair = callerPool.take()!;
    const offer = offerBuilder.build(callerPair.rtpPort, 1, 1);
    const parsedOffer = parseSdp(offer);
    if (!parsedOffer.ok) throw new Error(parsedOffer.error.message);
    const plan = createAnswerer({ address: '127.0.0.1' }).negotiate(parsedOffer.sdp);
    if (!plan.ok) throw new Error(plan.message);
    const echoPair = echoPool.take()!;
    const answer = createAnswerer({ address: '127.0.0.1' }).render(plan, echoPair.rtpPort, 2, 2);
    const parsedAnswer = parseSdp(answer);
    if (!parsedAnswer.ok) throw new Error(parsedAnswer.error.message);
    const negotiated = negotiateAnswer(offerBuilder.offered, parsedAnswer.sdp);
    if (!negotiated.ok) throw new Error(negotiated.message);
    expect(negotiated.media.codec.encodingName.toUpperCase()).toBe('PCMU');

    const echo = new MediaStream({ pair: echoPair, media: plan.media, send: 'echo', markerTag: null, schedule, now, random });
    const caller = new MediaStream({
      pair: callerPair, media: negotiated.media, send: createSource({ kind: 'prompt' }, 'pcmu'), markerTag: 0xc0ffee, schedule, now, random,
    });
    echo.start();
    caller.start();
    await sleep(1000);
    const callerSummary = caller.stop();
    await sleep(100); // the echoes of the last packets
    const echoSummary = echo.stop();

    // ~50 packets in 1 s at 20 ms (fewer when the machine stalls: counts, not times, are checked);
    // the echo got every one and sent every one back.
    expect(callerSummary.packetsSent + callerSummary.sendSkipped).toBeGreaterThanOrEqual(40);
    expect(echoSummary.packetsReceived).toBe(callerSummary.packetsSent);
    expect(echoSummary.packetsSent).toBe(echoSummary.packetsReceived);
    // The caller stopped listening when it stopped sending: the last echo or two may come after.
    expect(callerSummary.packetsReceived).toBeGreaterThanOrEqual(callerSummary.packetsSent - 2);
    expect(callerSummary.lossRatio).toBe(0);
    expect(callerSummary.markerOwn).toBe(callerSummary.packetsReceived);
    expect(callerSummary.markerOther).toBe(0);
    expect(callerSummary.invalidPackets).toBe(0);
    expect(callerSummary.firstMediaMs).toBeGreaterThanOrEqual(0);
    expect(echoSummary.markerOther).toBe(callerSummary.packetsSent); // the echo has no tag of its own: it hears the caller's
    schedule.stop();
    callerPool.release(callerPair);
    echoPool.release(echoPair);
  });

  it('a caller whose peer answers from another port latches onto it (symmetric RTP)', async () => {
    const a = await pool(43000);
    const b = await pool(43400);
    const schedule = new SendSchedule<MediaStream>({ periodMs: 20, clock: realClock, send: (s, n, due) => s.sendPacket(n, due) });
    const offerBuilder = createOfferBuilder({ address: '127.0.0.1' });
    const pa = a.take()!;
    const pb = b.take()!;
    const decoy = b.take()!; // the SDP names this port; the peer really sends from pb
    const plan = createAnswerer({ address: '127.0.0.1' }).negotiate((parseSdp(offerBuilder.build(pa.rtpPort, 1, 1)) as { ok: true; sdp: never }).sdp);
    if (!plan.ok) throw new Error(plan.message);
    const answer = parseSdp(createAnswerer({ address: '127.0.0.1' }).render(plan, decoy.rtpPort, 3, 3));
    if (!answer.ok) throw new Error(answer.error.message);
    const neg = negotiateAnswer(offerBuilder.offered, answer.sdp);
    if (!neg.ok) throw new Error(neg.message);
    let decoyGot = 0;
    decoy.onRtp = () => void decoyGot++;
    const peer = new MediaStream({
      pair: pb, media: { ...plan.media, remoteRtpPort: pa.rtpPort }, send: createSource({ kind: 'silence' }, 'pcmu'), markerTag: null, schedule,
      now: () => performance.now(), random: mulberry32(1),
    });
    const caller = new MediaStream({
      pair: pa, media: neg.media, send: createSource({ kind: 'silence' }, 'pcmu'), markerTag: null, schedule,
      now: () => performance.now(), random: mulberry32(2),
    });
    peer.start();
    await sleep(60);
    caller.start();
    await sleep(300);
    const s = caller.stop();
    peer.stop();
    schedule.stop();
    expect(s.latched).toBe(true);
    expect(s.remote).toBe(`127.0.0.1:${pb.rtpPort}`);
    // Only what left before the peer's source was validated (A.1 probation: its first two packets) went to the SDP's port.
    expect(decoyGot).toBeLessThanOrEqual(2);
    for (const [p, x] of [[a, pa], [b, pb], [b, decoy]] as const) p.release(x);
  });

  it('random and mutated datagrams at a call’s port are counted invalid and never stop its media', async () => {
    const { a: callerPool, b: echoPool, pa, pb, schedule, echo, caller } = await callerAndEcho({
      callerMin: 44000, echoMin: 44400, sessionId: 4, source: { kind: 'tone', hz: 400, dbov: -20 }, markerTag: 7, seeds: [3, 4],
    });
    echo.start();
    caller.start();
    // A hostile third party sprays the caller's port: random bytes, and real RTP headers mutated.
    const { createSocket } = await import('node:dgram');
    const spray = createSocket('udp4');
    await new Promise<void>((r) => spray.bind(0, '127.0.0.1', () => r()));
    const rnd = mulberry32(99);
    let sent = 0;
    for (let i = 0; i < 400; i++) {
      const len = Math.floor(rnd() * 200);
      const b = Buffer.alloc(len);
      for (let k = 0; k < len; k++) b[k] = Math.floor(rnd() * 256);
      // Half of them look like RTP v2 with a payload type we did not negotiate, or a bad length.
      if (i % 2 === 0 && len >= 12) {
        b[0] = 0x80 | (b[0] & 0x3f);
        b[1] = 0x7f & (b[1] | 0x20);
      }
      spray.send(b, pa.rtpPort, '127.0.0.1');
      sent++;
      if (i % 50 === 0) await sleep(5);
    }
    await sleep(400);
    const s = caller.stop();
    echo.stop();
    spray.close();
    schedule.stop();
    // Nothing crashed, the sprayed datagrams were refused, and the call's own echo still counted cleanly.
    expect(sent).toBe(400);
    expect(s.invalidPackets).toBeGreaterThan(0);
    expect(s.markerOwn).toBeGreaterThan(0);
    expect(s.packetsReceived).toBeGreaterThan(0);
    callerPool.release(pa);
    echoPool.release(pb);
  });

  it('one valid-looking RTP datagram from a third address (another SSRC, or a copy of a packet received) does not take the media away', async () => {
    const a = await pool(46400);
    const b = await pool(46800);
    const schedule = new SendSchedule<MediaStream>({ periodMs: 20, clock: realClock, send: (s, n, due) => s.sendPacket(n, due) });
    const pa = a.take()!;
    const pb = b.take()!;
    const { plan, neg } = negotiate(pa.rtpPort, pb.rtpPort, 6);
    const echo = new MediaStream({ pair: pb, media: plan.media, send: 'echo', markerTag: null, schedule, now: () => performance.now(), random: mulberry32(8) });
    const caller = new MediaStream({
      pair: pa, media: neg.media, send: createSource({ kind: 'silence' }, 'pcmu'), markerTag: 9, schedule, now: () => performance.now(), random: mulberry32(9),
    });
    // Keep a copy of the first packet the caller receives (the echo's): replayed later, it is a duplicate.
    let copy: Buffer | null = null;
    const onRtp = pa.onRtp;
    pa.onRtp = (packet, from) => {
      copy ??= Buffer.from(packet);
      onRtp(packet, from);
    };
    echo.start();
    caller.start();
    await sleep(300);
    const { createSocket } = await import('node:dgram');
    const third = createSocket('udp4');
    let thirdGot = 0;
    third.on('message', () => thirdGot++);
    await new Promise<void>((r) => third.bind(0, '127.0.0.1', () => r()));
    const foreign = Buffer.alloc(172);
    encodeRtp(foreign, 0, { payloadType: 0, sequenceNumber: 4242, timestamp: 1, ssrc: 0xdeadbeef, marker: false }, Buffer.alloc(160));
    expect(copy).not.toBeNull();
    for (const [packet, port] of [[foreign, pa.rtpPort], [copy!, pa.rtpPort], [Buffer.from(foreign), pb.rtpPort]] as const) {
      third.send(packet, port, '127.0.0.1');
    }
    await sleep(300);
    // Sending stops first, and what is in flight lands, before either side's counts are read: the echo
    // returns a packet the moment it arrives, so one still on its way back would be sent but not received.
    schedule.stop();
    await sleep(100);
    const c = caller.stop();
    const e = echo.stop();
    third.close();
    // Both parsed (they are valid RTP) and were handed to the statistics, which kept them out of the count.
    expect(c.invalidPackets).toBe(0);
    expect(e.invalidPackets).toBe(0);
    // Nobody moved: both still send where the SDP said, the third address got nothing back.
    expect([c.latched, c.remote]).toEqual([false, `127.0.0.1:${pb.rtpPort}`]);
    expect([e.latched, e.remote]).toEqual([false, `127.0.0.1:${pa.rtpPort}`]);
    expect(thirdGot).toBe(0);
    // The real stream is whole: received = echoed back (+ the 2 third-party datagrams, handed in but not counted), nothing lost.
    expect(c.lostPackets).toBe(0);
    expect(c.packetsReceived).toBe(e.packetsSent + 2);
    expect(c.markerOther).toBe(0);
    a.release(pa);
    b.release(pb);
  });

  it('RTCP both ways: the caller sends SRs, the echo answers with a report about them, and the caller gets its round trip', async () => {
    const { a, b, pa, pb, schedule, echo, caller } = await callerAndEcho({
      callerMin: 44800, echoMin: 45200, sessionId: 5, source: { kind: 'silence' }, markerTag: null, seeds: [5, 6],
    });
    echo.start();
    caller.start();
    // The first report is due within ~3.1 s (RFC 3550 §6.3.1: 2.5 s × [0.5, 1.5] ÷ 1.218).
    await sleep(3600);
    const c = caller.stop();
    const e = echo.stop();
    schedule.stop();
    // The caller's last compound is its BYE (RFC 3550 §6.3.7), sent as it stopped: the echo had stopped too before it landed.
    expect(c.rtcpSent).toBeGreaterThanOrEqual(2);
    expect(e.rtcpReceived).toBe(c.rtcpSent - 1);
    // The echo answers each SR, and says BYE itself when it stops (after the caller stopped listening).
    expect(e.rtcpSent).toBe(e.rtcpReceived + 1);
    expect(c.rtcpReceived).toBe(e.rtcpSent - 1);
    // Loopback: a round trip of well under the RTCP clock's resolution plus a scheduling delay.
    expect(c.rttMs).not.toBeNull();
    expect(c.rttMs!).toBeGreaterThanOrEqual(0);
    expect(c.invalidPackets).toBe(0);
    a.release(pa);
    b.release(pb);
  });

  it('a stream that stops says BYE on RTCP (RFC 3550 §6.3.7): the peer still listening records it, and does not answer it', async () => {
    const { a, b, pa, pb, schedule, echo, caller } = await callerAndEcho({
      callerMin: 45600, echoMin: 46000, sessionId: 7, source: { kind: 'silence' }, markerTag: null, seeds: [7, 8],
    });
    echo.start();
    caller.start();
    await sleep(300);
    const c = caller.stop();
    await sleep(200);
    const e = echo.stop();
    schedule.stop();
    // Within 300 ms no regular report was due (the first comes after ≥ 1 s): the one compound is the BYE.
    expect(c.rtcpSent).toBe(1);
    expect(e.rtcpReceived).toBe(1);
    expect(e.rtcpByeReceived).toBe(true);
    expect(c.rtcpByeReceived).toBe(false);
    // The echo's only compound is its own BYE: it did not answer the caller's last report.
    expect(e.rtcpSent).toBe(1);
    expect(e.invalidPackets).toBe(0);
    a.release(pa);
    b.release(pb);
  });
});
