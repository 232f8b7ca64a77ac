/**
 * Digest micro-benchmark: the cost of one Authorization header
 * (dist/sip/digest.js digestAuthorization) per algorithm, on the RFC 7616 §3.9.1
 * challenge. A challenged call computes one per INVITE (and one per BYE when the
 * proxy challenges in-dialog requests), so this is on the hot path of an
 * authenticated run. Parsing the challenge is timed separately: callcert parses
 * each 401/407 once.
 *
 *   npm run build && (cd bench && npm install) && node bench/digest.bench.mjs
 *
 * This figure used to be a unit test ("< 200 µs per digest"); a test asserts what the
 * code does, not how fast the host is, so the timing lives here. Before timing, each
 * algorithm's response is checked against the RFC 7616 §3.9.1 vectors.
 */
let mitata;
try {
  mitata = await import('mitata');
} catch {
  console.error('digest.bench: mitata is missing: run `npm install` inside bench/ first');
  process.exit(2);
}
const { bench, do_not_optimize, group, run, summary } = mitata;
import { digestAuthorization, parseDigestChallenge } from '../dist/sip/digest.js';

const NONCE = '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v';
const OPAQUE = 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS';
const CNONCE = 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ';
const challenge = (alg) =>
  `Digest\r\n realm="http-auth@example.org",\r\n qop="auth, auth-int",\r\n algorithm=${alg},\r\n nonce="${NONCE}",\r\n opaque="${OPAQUE}"`;
const ARGS = { method: 'GET', uri: '/dir/index.html', username: 'Mufasa', password: 'Circle of Life', nc: 1, cnonce: CNONCE };

// RFC 7616 §3.9.1: the expected responses for MD5 and SHA-256.
const VECTORS = {
  MD5: '8ca523f5e9506fed4657c9700eebdbec',
  'SHA-256': '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1',
};
for (const [alg, expected] of Object.entries(VECTORS)) {
  const h = digestAuthorization(parseDigestChallenge(challenge(alg)), ARGS);
  const got = /response="([0-9a-f]+)"/.exec(h)?.[1];
  if (got !== expected) throw new Error(`digest.bench: ${alg} response ${got} is not RFC 7616's ${expected}`);
}

let nc = 0;
group('digestAuthorization (one Authorization header)', () => {
  summary(() => {
    for (const alg of ['MD5', 'MD5-sess', 'SHA-256', 'SHA-256-sess']) {
      const ch = parseDigestChallenge(challenge(alg));
      bench(alg, () => do_not_optimize(digestAuthorization(ch, { ...ARGS, nc: (nc = (nc % 0xffffffff) + 1) })));
    }
  });
});

group('parseDigestChallenge (once per 401/407)', () => {
  const text = challenge('SHA-256');
  bench('SHA-256 challenge', () => do_not_optimize(parseDigestChallenge(text)));
});

await run({ colors: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR });
