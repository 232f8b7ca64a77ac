/**
 * `callcert target --cti-port`: the embedded call centre with its CTI API, from the
 * command line. A call originated through the API reaches the call centre's own
 * SIP port as a real SIP call, and both sets of counters say so on exit.
 */
import { describe, it, expect } from 'vitest';
import path from 'node:path';
import { spawnBounded, freeUdpPort } from '../helpers/procs.js';

const CLI = path.resolve(import.meta.dirname, '../../bin/callcert.js');

async function waitFor<T>(fn: () => T | undefined, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('callcert target --cti-port', () => {
  it('originates real SIP calls through the API and reports both counters on exit', async () => {
    const sipPort = await freeUdpPort();
    const p = spawnBounded(process.execPath, [CLI, 'target', '--sip-port', String(sipPort), '--cti-port', '0', '--cti-token', 'tok', '--duration', '20s'], { timeoutSec: 40 });
    try {
      const url = await waitFor(() => /CTI API on (http:\/\/[0-9.:]+)/.exec(p.stdoutSoFar())?.[1], 10_000);
      const auth = { authorization: 'Bearer tok' };
      expect((await fetch(`${url}/v1/agents`)).status).toBe(401);
      const created = await fetch(`${url}/v1/calls`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ to: `sip:ivr@127.0.0.1:${sipPort}`, holdMs: 200 }),
      });
      expect(created.status).toBe(201);
      const { id } = (await created.json()) as { id: string };
      let state = '';
      for (let i = 0; i < 60 && state !== 'ended' && state !== 'failed'; i++) {
        await new Promise((r) => setTimeout(r, 100));
        state = ((await (await fetch(`${url}/v1/calls/${id}`, { headers: auth })).json()) as { state: string }).state;
      }
      expect(state).toBe('ended');
      const rec = await fetch(`${url}/v1/recordings/${id}`, { headers: auth });
      expect(rec.status).toBe(200);
      expect(p.signalCommand('SIGINT')).toBe(true);
      const r = await p.exited;
      expect(r.code).toBe(0);
      const printed = JSON.parse(r.stdout.slice(r.stdout.indexOf('{')));
      expect(printed.counters).toMatchObject({ invites: 1, answered: 1, completed: 1, active: 0 });
      expect(printed.cti).toMatchObject({ originated: 1, unauthorized: 1 });
    } finally {
      if (!p.done) await p.kill();
    }
  });
});
