/**
 * Caller identities against Kamailio's stock authentication rule
 * (test/fixtures/kamailio/kamailio-stock-auth.cfg: auth_check("$fd", "subscriber", "1"),
 * users 1000–1099 / pw1000–pw1099 in a db_text table): flag 1 refuses any call whose
 * From user is not the digest user, so every call must carry its own identity.
 *
 *   callcert run → Kamailio (stock auth, record-route, dispatcher) → SIPp UAS (uas-basic.xml)
 *
 * - 500 calls from 100 identities out of call.data (a CSV): each call authenticates as the
 *   user of its row (call k → row k mod 100, whatever the worker count) and completes; the
 *   UAS sees the From user, display name, dialled number and custom header of that row.
 *   One row has a wrong password: exactly the calls with that row's indexes fail, auth_failed.
 *   No password of the CSV appears in any file of the output directory, nor on the console.
 * - The one-liner `--auth-user 1000 --auth-password pw1000` with no call.from: From is 1000,
 *   and the calls complete (before call.from defaulted to the auth user they all failed 407).
 */
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { countByCause, describeCli, readCalls, readResults, report, requireBuiltCli, runCli, tempDir } from '../helpers/cli.js';
import { KAMAILIO_STOCK_AUTH_CFG, STOCK_AUTH_USERS, findKamailioModulesDir, startUasBehindKamailio, type KamailioHandle } from '../helpers/kamailio.js';
import { requireCommand } from '../helpers/procs.js';
import { describeSippResult, sipHeaderValues, sippReceivedMessages, sippRecvCount, type SippResult, type SippUasHandle } from '../helpers/sipp.js';

let root = '';
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(() => {
  requireCommand('sipp', 'CI installs it: apt-get install sip-tester');
  requireCommand('kamailio', 'CI installs it: apt-get install kamailio');
  findKamailioModulesDir();
  requireBuiltCli();
  root = tempDir('kamailio-ids');
});

afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.().catch(() => undefined);
});

afterAll(() => {
  if (root && !process.env.CALLCERT_KEEP_TMP) rmSync(root, { recursive: true, force: true });
});

function uasAndProxy(name: string, traceMessages: boolean): Promise<{ uas: SippUasHandle; proxy: KamailioHandle }> {
  const kamailio = { timeoutSec: 60, cfgTemplate: KAMAILIO_STOCK_AUTH_CFG, subscribers: STOCK_AUTH_USERS };
  return startUasBehindKamailio({ name, root, traceMessages, uasTimeoutSec: 60, kamailio, cleanups });
}

/** Every file below `dir`, with its text. */
function filesBelow(dir: string): Array<{ path: string; text: string }> {
  const out: Array<{ path: string; text: string }> = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...filesBelow(p));
    else out.push({ path: p, text: readFileSync(p, 'latin1') });
  }
  return out;
}

/** INVITEs the UAS received (its -trace_msg log). */
function receivedInvites(uasRes: SippResult): string[] {
  return sippReceivedMessages(readFileSync(join(uasRes.workDir, 'messages.log'), 'utf8')).filter((msg) => msg.startsWith('INVITE '));
}

function header(msg: string, name: string): string {
  return sipHeaderValues(msg, name)[0] ?? '';
}

/** Runs the CLI through the proxy, then stops both peers and reads what each side saw. */
async function runThrough(peers: { uas: SippUasHandle; proxy: KamailioHandle }, args: string[], out: string, timeoutSec: number) {
  const cli = await runCli([...args, '--quiet', '--out', out], { timeoutSec });
  const uasRes = await peers.uas.stop(5000);
  const log = peers.proxy.log();
  await peers.proxy.stop();
  const r = readResults(out);
  const why = `${describeCli(cli)}\nUAS: ${describeSippResult(uasRes)}\nsummary: ${JSON.stringify(r.summary.calls)} ${JSON.stringify(r.summary.failuresByCause)} ${JSON.stringify(r.summary.failuresByCode)}\nkamailio log tail:\n${log.slice(-3000)}`;
  return { cli, uasRes, log, r, c: r.summary.calls, why, invites: receivedInvites(uasRes) };
}

const BAD_ROW = 42; // user 1042: wrong password in the CSV
const WRONG_PASSWORD = 'pw1042-not-it';

describe('callcert run → Kamailio with auth_check("$fd", "subscriber", "1") → SIPp UAS', () => {
  it('500 calls from 100 identities of a CSV authenticate and complete; the one wrong password fails exactly its own calls', async () => {
    const peers = await uasAndProxy('csv', true);
    const { proxy } = peers;
    const csv = join(root, 'users.csv');
    const passwords = STOCK_AUTH_USERS.map((u, i) => (i === BAD_ROW ? WRONG_PASSWORD : u.password));
    writeFileSync(csv, 'user,password,number\n' + STOCK_AUTH_USERS.map((u, i) => `${u.username},${passwords[i]},555${u.username}\n`).join(''));
    const scenarioFile = join(root, 'identities.yaml');
    writeFileSync(
      scenarioFile,
      `name: identities
target:
  uri: sip:svc@127.0.0.1:${proxy.port}
  auth: { username: "{{user}}", password: "{{password}}" }
workers: 2
load:
  model: open
  stages: [{ duration: 0s, target: 50 }, { duration: 10s, target: 50 }]
call:
  hold: 1s
  displayName: "Agent {{user}}"
  to: "{{number}}"
  headers: { X-Caller: "{{user}}" }
  data: { file: users.csv }
`,
    );
    const out = join(root, 'out-csv');
    const { cli, uasRes, log, r, c, why, invites } = await runThrough(peers, ['run', scenarioFile, '--report', '--report-format', 'md,junit'], out, 50);
    const calls = readCalls(out);

    const failed = calls.filter((l) => l.cause !== 'completed');
    const expectedFailed = calls.filter((l) => l.i % 100 === BAD_ROW).map((l) => l.i).sort((a, b) => a - b);
    const refusals = [...log.matchAll(/auth_check (-?\d+) for '(\d+)' \(From user '(\d+)'\)/g)].map((m) => ({ rc: m[1], user: m[2], from: m[3] }));
    const fromUsers = new Map<string, number>();
    let consistent = 0;
    for (const inv of invites) {
      const from = header(inv, 'From');
      const user = /<sip:([^@>]+)@/.exec(from)?.[1] ?? '';
      fromUsers.set(user, (fromUsers.get(user) ?? 0) + 1);
      const ruri = /^INVITE sip:([^@ ]+)@/.exec(inv)?.[1];
      const to = /<sip:([^@>]+)@/.exec(header(inv, 'To'))?.[1];
      if (from.startsWith(`"Agent ${user}" <sip:`) && ruri === `555${user}` && to === ruri && header(inv, 'X-Caller') === user) consistent++;
    }

    report('kamailio identities', {
      exit: cli.code,
      wallMs: Math.round(cli.wallMs),
      callcert: { ...c, failuresByCause: r.summary.failuresByCause, failuresByCode: r.summary.failuresByCode },
      failedIndexes: failed.map((l) => l.i),
      kamailioRefusals: refusals.length,
      uas: { invites: invites.length, distinctFromUsers: fromUsers.size, consistent, inviteRecv: sippRecvCount(uasRes, 'INVITE'), byeRecv: sippRecvCount(uasRes, 'BYE') },
    });

    expect(r.valid, why).toBe(true);
    expect(c.attempted, why).toBe(500);
    expect(new Set(calls.map((l) => l.i)).size, why).toBe(500);
    // Exactly the calls of row 42 (i mod 100 = 42: five of them) failed, each as auth_failed after a second 407.
    expect(expectedFailed.length, why).toBe(5);
    expect(failed.map((l) => l.i).sort((a, b) => a - b), why).toEqual(expectedFailed);
    expect(failed.every((l) => l.cause === 'auth_failed' && l.code === 407), why).toBe(true);
    expect(r.summary.failuresByCause, why).toEqual({ auth_failed: 5 });
    expect(c.completed, why).toBe(495);
    expect(countByCause(calls), why).toEqual({ completed: 495, auth_failed: 5 });
    // Kamailio refused only user 1042's credentials (rc -2: wrong password), never a From mismatch.
    expect(refusals.length, why).toBe(5);
    expect(refusals.every((x) => x.rc === '-2' && x.user === '1042' && x.from === '1042'), why).toBe(true);
    // Behind the proxy: 99 identities, 5 calls each, each INVITE with its row's display name, number and header.
    expect(invites.length, why).toBe(495);
    expect(fromUsers.size, why).toBe(99);
    expect([...fromUsers.values()].every((n) => n === 5), why).toBe(true);
    expect(fromUsers.has('1042'), why).toBe(false);
    expect(consistent, why).toBe(495);
    // Failures without criteria: SIPp's exit rule, 1.
    expect(cli.code, why).toBe(1);

    // No password of the CSV in any file of the output dir (results, calls, scenario copies, report), nor on the console.
    const files = filesBelow(out);
    expect(files.map((f) => f.path.slice(out.length + 1)), why).toEqual(expect.arrayContaining(['results.json', 'calls.jsonl', 'scenario.yaml', 'scenario.resolved.json', 'junit.xml', 'summary.md']));
    const leaks = files.flatMap((f) => passwords.filter((pw) => f.text.includes(pw)).map((pw) => `${f.path}: ${pw}`));
    expect(leaks, why).toEqual([]);
    for (const pw of passwords) expect(cli.stdout + cli.stderr, why).not.toContain(pw);
  }, 90_000);

  it('--auth-user 1000 --auth-password pw1000 with no call.from: From is 1000 and the calls complete', async () => {
    const peers = await uasAndProxy('one', true);
    const out = join(root, 'out-one');
    const { cli, r, c, why, invites } = await runThrough(peers, [
      'run', '--target', `sip:svc@127.0.0.1:${peers.proxy.port}`, '--auth-user', '1000', '--auth-password', 'pw1000',
      '--rate', '5', '--hold', '1s', '--ramp', '0', '--duration', '3s', '--media', 'none', // signalling only: no rtpengine, SIPp does not echo
    ], out, 40);
    report('kamailio stock auth one-liner', { exit: cli.code, callcert: c, uasInvites: invites.length, from: header(invites[0] ?? '', 'From') });

    expect(c.attempted, why).toBe(15);
    expect(c.completed, why).toBe(15);
    expect(r.summary.failuresByCause, why).toEqual({});
    expect(cli.code, why).toBe(0);
    expect(invites.length, why).toBe(15);
    expect(invites.every((inv) => /^<sip:1000@127\.0\.0\.1:\d+>;tag=/.test(header(inv, 'From'))), why).toBe(true);
    for (const f of filesBelow(out)) expect(f.text, f.path).not.toContain('pw1000');
  }, 60_000);

  it('a SIPp injection file with --data and --auth-user \'{{field0}}\' --auth-password \'{{field1}}\', as with sipp -inf', async () => {
    const peers = await uasAndProxy('inf', true);
    const inf = join(root, 'users.inf');
    const users = STOCK_AUTH_USERS.slice(0, 10);
    writeFileSync(inf, 'SEQUENTIAL\n' + users.map((u) => `${u.username};${u.password};\n`).join(''));
    const out = join(root, 'out-inf');
    const { cli, c, why, invites } = await runThrough(peers, [
      'run', '--target', `sip:svc@127.0.0.1:${peers.proxy.port}`, '--data', inf, '--auth-user', '{{field0}}', '--auth-password', '{{field1}}',
      '--rate', '5', '--hold', '500ms', '--ramp', '0', '--duration', '4s', '--media', 'none',
    ], out, 40);
    const fromByCall = invites.map((inv) => /<sip:([^@>]+)@/.exec(header(inv, 'From'))?.[1]).sort();
    report('kamailio SIPp injection file', { exit: cli.code, callcert: c, fromUsers: fromByCall });

    expect(c.attempted, why).toBe(20);
    expect(c.completed, why).toBe(20);
    expect(cli.code, why).toBe(0);
    // Rows in order, twice round: each of the 10 users called twice.
    expect(fromByCall, why).toEqual(users.flatMap((u) => [u.username, u.username]).sort());
    for (const f of filesBelow(out)) for (const u of users) expect(f.text, f.path).not.toContain(u.password);
  }, 60_000);
});
