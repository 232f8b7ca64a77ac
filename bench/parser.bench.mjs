/**
 * Parser micro-benchmark: callcert's parseMessage (dist/sip/message/parser.js) vs
 * SIP.js 0.21's Parser.parseMessage, side by side, on a 200 OK with SDP and an
 * INVITE with SDP (bench/lib/messages.mjs).
 *
 *   npm run build && (cd bench && npm install) && node bench/parser.bench.mjs
 *
 * Both parsers get what their transport hands them: callcert a Buffer (one UDP
 * datagram), SIP.js a string. "SIP.js (from Buffer)" adds the Buffer → latin1
 * string decode a UDP user of SIP.js would pay. Before timing, both results
 * are checked to agree on the fields callcert extracts (callId, CSeq, tags,
 * branch, body length), so the two are doing comparable work.
 *
 * Why SIP.js is so slow here: its grammar is a peggy parser whose generated
 * peg$parse() rebuilds its whole constants table (hundreds of regexes and
 * expectation objects) on every call, and SIP.js calls it once per parsed
 * header (Via, From, To, CSeq, Call-ID, Contact, Record-Route, ...): ~75 µs each
 * on the machine this was written on.
 */
let mitata;
try {
  mitata = await import('mitata');
} catch {
  console.error('parser.bench: mitata is missing: run `npm install` inside bench/ first');
  process.exit(2);
}
const { bench, do_not_optimize, group, run, summary } = mitata;
import { Parser } from 'sip.js/lib/core/index.js';
import { parseMessage } from '../dist/sip/message/parser.js';
import { SipParseError } from '../dist/sip/message/message.js';
import { INVITE, OK_200_SDP } from './lib/messages.mjs';

// SIP.js only calls these four logger methods.
const complaints = [];
const logger = { debug() {}, log() {}, warn: (s) => complaints.push(s), error: (s) => complaints.push(s) };

function check(name, buf) {
  const ours = parseMessage(buf);
  if (ours instanceof SipParseError) throw new Error(`${name}: callcert parse error: ${ours.reason}`);
  const theirs = Parser.parseMessage(buf.toString('latin1'), logger);
  if (theirs === undefined || complaints.length > 0) throw new Error(`${name}: SIP.js parse error: ${complaints.join('; ')}`);
  const a = [ours.callId, ours.cseq, ours.fromTag, ours.toTag, ours.viaBranch, ours.body.length];
  const b = [theirs.callId, theirs.cseq, theirs.fromTag, theirs.toTag ?? '', theirs.viaBranch, theirs.body.length];
  if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`${name}: parsers disagree: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
}

const cases = [
  ['200 OK with SDP', OK_200_SDP],
  ['INVITE with SDP', INVITE],
];

for (const [name, buf] of cases) {
  check(name, buf);
  const str = buf.toString('latin1');
  group(`${name} (${buf.length} bytes)`, () => {
    summary(() => {
      bench('callcert parseMessage', () => do_not_optimize(parseMessage(buf)));
      bench('SIP.js Parser.parseMessage', () => do_not_optimize(Parser.parseMessage(str, logger)));
      bench('SIP.js (from Buffer)', () => do_not_optimize(Parser.parseMessage(buf.toString('latin1'), logger)));
    });
  });
}

await run({ colors: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR });
