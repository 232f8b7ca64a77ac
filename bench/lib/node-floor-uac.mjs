#!/usr/bin/env node
/**
 * The least a Node.js UAC can do for SIPp's built-in uas scenario, as a floor for
 * what any Node SIP load generator costs per call: INVITE; on the 200, ACK; after
 * the hold, BYE; the BYE's 200 ends the call. No parser (indexOf only), no
 * transactions or retransmissions, no metrics, no call records, no worker thread,
 * node:dgram. bench/run.mjs runs it beside SIPp and callcert: callcert ÷ floor is
 * what callcert's own work costs; floor ÷ SIPp is what Node costs.
 *
 *   node bench/lib/node-floor-uac.mjs --target 127.0.0.1:5060 --rate 1000 --calls 10000 --hold-ms 1000
 *
 * Prints one JSON line: { attempted, completed, unanswered, wallMs, lateP99Ms, lateMaxMs }
 * (late = how long after its scheduled time an INVITE went out: the same figure as
 * callcert's schedule slip). Bounded: it stops holdMs + 5 s after its last INVITE
 * whatever happened to the calls.
 */
import dgram from 'node:dgram';
import { parseArgs } from 'node:util';

const { values: a } = parseArgs({
  options: { target: { type: 'string' }, rate: { type: 'string' }, calls: { type: 'string' }, 'hold-ms': { type: 'string', default: '1000' } },
});
const [host, portStr] = (a.target ?? '').split(':');
const port = Number(portStr);
const rate = Number(a.rate);
const total = Number(a.calls);
const holdMs = Number(a['hold-ms']);
if (!host || !(port > 0) || !(rate > 0) || !(total > 0) || !(holdMs >= 0)) {
  console.error('usage: node-floor-uac.mjs --target HOST:PORT --rate CPS --calls N [--hold-ms MS]');
  process.exit(2);
}

const sock = dgram.createSocket({ type: 'udp4', lookup: (addr, _o, cb) => cb(null, addr, 4) });
await new Promise((r) => sock.bind(0, '127.0.0.1', r));
const lp = sock.address().port;
const ruri = `sip:service@${host}:${port}`;
const msg = (method, callId, tag, remoteTag, cseq, branch) =>
  `${method} ${ruri} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${lp};branch=z9hG4bK${branch}\r\n` +
  `From: <sip:floor@127.0.0.1:${lp}>;tag=${tag}\r\nTo: <${ruri}>${remoteTag ? `;tag=${remoteTag}` : ''}\r\n` +
  `Call-ID: ${callId}\r\nCSeq: ${cseq} ${method}\r\nContact: <sip:floor@127.0.0.1:${lp}>\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n`;
const send = (s) => sock.send(Buffer.from(s, 'latin1'), port, host);

const calls = new Map();
let attempted = 0;
let completed = 0;
sock.on('message', (buf) => {
  const s = buf.latin1Slice(0, buf.length);
  if (!s.startsWith('SIP/2.0 200')) return;
  const i = s.indexOf('\nCall-ID:') + 9;
  const callId = s.slice(i, s.indexOf('\r', i)).trim();
  const c = calls.get(callId);
  if (c === undefined) return;
  if (s.includes(' BYE\r\n')) {
    calls.delete(callId);
    completed++;
    return;
  }
  if (c.remoteTag !== '') return; // a retransmitted 200: already ACKed
  const to = s.indexOf('\nTo:');
  const t = s.indexOf(';tag=', to) + 5;
  c.remoteTag = s.slice(t, s.indexOf('\r', t));
  send(msg('ACK', callId, c.tag, c.remoteTag, 1, `a${callId}`));
  setTimeout(() => send(msg('BYE', callId, c.tag, c.remoteTag, 2, `b${callId}`)), holdMs);
});

// Lateness per INVITE, ms: one subtraction per call, the clock read once per tick.
const late = new Float64Array(total);
const t0 = performance.now();
function tick() {
  const now = performance.now();
  const due = Math.min(total, Math.floor(((now - t0) * rate) / 1000));
  while (attempted < due) {
    late[attempted] = now - t0 - ((attempted + 1) * 1000) / rate; // call k is due at (k + 1) / rate
    const callId = `floor-${attempted}-${lp}`;
    calls.set(callId, { tag: `t${attempted}`, remoteTag: '' });
    send(msg('INVITE', callId, `t${attempted}`, '', 1, `i${attempted}`));
    attempted++;
  }
  if (attempted < total) return void setTimeout(tick, 1);
  const end = performance.now() + holdMs + 5000;
  const check = () => {
    if (calls.size === 0 || performance.now() > end) {
      const l = late.subarray(0, attempted).sort();
      const lateP99Ms = attempted ? Math.round(l[Math.min(attempted - 1, Math.ceil(attempted * 0.99) - 1)] * 1000) / 1000 : null;
      const lateMaxMs = attempted ? Math.round(l[attempted - 1] * 1000) / 1000 : null;
      const wallMs = Math.round(performance.now() - t0);
      console.log(JSON.stringify({ attempted, completed, unanswered: calls.size, wallMs, lateP99Ms, lateMaxMs }));
      sock.close();
    } else setTimeout(check, 50);
  };
  check();
}
tick();
