/**
 * Prove the real-peer fixtures work with SIPp alone (no callcert code involved):
 *   1. SIPp UAC -> Kamailio (407 digest auth, record-route, dispatcher) -> SIPp UAS
 *   2. SIPp UAC -> SIPp UAS running uas-mix.xml (deterministic 200/486/503 mix)
 * sipp and kamailio are required: a missing binary fails these tests, it never skips them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KAMAILIO_CREDENTIALS, findKamailioModulesDir, startKamailio, type KamailioHandle } from '../helpers/kamailio.js';
import { freeTcpPort, freeUdpPort, requireCommand } from '../helpers/procs.js';
import {
  describeSippResult,
  runSippUac,
  sippElements,
  sippFixture,
  sippRecvCount,
  sippSentCount,
  startSippUas,
  type SippUasHandle,
} from '../helpers/sipp.js';

let root = '';
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(() => {
  requireCommand('sipp', 'CI installs it: apt-get install sip-tester');
  requireCommand('kamailio', 'CI installs it: apt-get install kamailio');
  findKamailioModulesDir();
  root = mkdtempSync(join(tmpdir(), 'callcert-fixtures-smoke-'));
});

afterEach(async () => {
  // Stop whatever a failed test left running.
  while (cleanups.length > 0) await cleanups.pop()?.().catch(() => undefined);
});

afterAll(() => {
  if (root && !process.env.CALLCERT_KEEP_TMP) rmSync(root, { recursive: true, force: true });
});

function dir(name: string): string {
  const d = join(root, name);
  return mkdtempSync(d + '-');
}

async function uas(opts: Parameters<typeof startSippUas>[0]): Promise<SippUasHandle> {
  const h = await startSippUas(opts);
  cleanups.push(() => h.stop(1000));
  return h;
}

async function kamailio(opts: Parameters<typeof startKamailio>[0]): Promise<KamailioHandle> {
  const k = await startKamailio(opts);
  cleanups.push(() => k.stop());
  return k;
}

describe('real-peer fixtures (SIPp + Kamailio, no callcert)', () => {
  for (const transport of ['udp', 'tcp'] as const) {
    const calls = transport === 'udp' ? 50 : 20;
    it(`SIPp UAC -> Kamailio (auth, record-route, dispatcher) -> SIPp UAS over ${transport}: ${calls} calls`, async () => {
      const uasPort = transport === 'udp' ? await freeUdpPort() : await freeTcpPort();
      const callee = await uas({
        scenario: sippFixture('uas-basic.xml'),
        localPort: uasPort,
        transport,
        timeoutSec: 25,
        workDir: dir(`uas-basic-${transport}`),
      });
      const proxy = await kamailio({ uasPort, transport, timeoutSec: 30, workDir: dir(`kamailio-${transport}`) });

      const uac = await runSippUac({
        scenario: sippFixture('uac-auth.xml'),
        target: `${proxy.host}:${proxy.port}`,
        transport,
        calls,
        rate: 20,
        authUser: KAMAILIO_CREDENTIALS.username,
        authPassword: KAMAILIO_CREDENTIALS.password,
        timeoutSec: 15,
        workDir: dir(`uac-auth-${transport}`),
      });
      const uasRes = await callee.stop(5000);
      await proxy.stop();

      const why = `UAC: ${describeSippResult(uac)}\nUAS: ${describeSippResult(uasRes)}\nkamailio log tail:\n${proxy
        .log()
        .slice(-3000)}`;
      expect(uac.stats, why).not.toBeNull();
      expect(uac.exit.code, why).toBe(0);
      expect(uac.stats.successfulCalls, why).toBe(calls);
      expect(uac.stats.failedCalls, why).toBe(0);
      // every call was challenged once and answered
      expect(sippRecvCount(uac, '407'), why).toBe(calls);
      expect(sippElements(uac, 'INVITE', 'send').map((m) => m.count), why).toEqual([calls, calls]);

      // The UAS saw the whole dialog, ACK and BYE loose-routed through Kamailio.
      expect(sippRecvCount(uasRes, 'INVITE'), why).toBe(calls);
      expect(sippRecvCount(uasRes, 'ACK'), why).toBe(calls);
      expect(sippRecvCount(uasRes, 'BYE'), why).toBe(calls);
      expect(sippElements(uasRes, '200', 'send').map((m) => m.count), why).toEqual([calls, calls]);
      expect(uasRes.stats.successfulCalls, why).toBe(calls);
      expect(uasRes.stats.failedCalls, why).toBe(0);
    }, 30_000);
  }

  it('SIPp UAC -> SIPp UAS (uas-mix.xml): 100 calls split exactly 70 x 200 / 20 x 486 / 10 x 503', async () => {
    const uasPort = await freeUdpPort();
    const callee = await uas({
      scenario: sippFixture('uas-mix.xml'),
      localPort: uasPort,
      timeoutSec: 25,
      workDir: dir('uas-mix'),
    });
    const uac = await runSippUac({
      scenario: { builtin: 'uac' },
      target: `127.0.0.1:${uasPort}`,
      calls: 100,
      rate: 50,
      timeoutSec: 15,
      workDir: dir('uac-builtin'),
    });
    const uasRes = await callee.stop(5000);
    const why = `UAC: ${describeSippResult(uac)}\nUAS: ${describeSippResult(uasRes)}`;

    // What the UAS sent, from its per-message counters: the first "200" element
    // answers INVITEs, the second one answers BYEs.
    const [ok200, bye200] = sippElements(uasRes, '200', 'send');
    const sent486 = sippSentCount(uasRes, '486');
    const sent503 = sippSentCount(uasRes, '503');
    expect(sippRecvCount(uasRes, 'INVITE'), why).toBe(100);
    expect(ok200?.count, why).toBe(70);
    expect(bye200?.count, why).toBe(70);
    expect(sent486, why).toBe(20);
    expect(sent503, why).toBe(10);
    // every error response was ACKed (SIPp UAC ACKs the 4xx/5xx it aborts on), every 200 too
    expect(sippRecvCount(uasRes, 'ACK'), why).toBe(100);
    expect(uasRes.stats.successfulCalls, why).toBe(100);

    // The built-in UAC counts the 486/503 as failed calls (unexpected message).
    expect(uac.stats.totalCallsCreated, why).toBe(100);
    expect(uac.stats.successfulCalls, why).toBe(ok200?.count);
    expect(uac.stats.failedCalls, why).toBe(sent486 + sent503);
    expect(uac.stats.failedUnexpectedMessage, why).toBe(sent486 + sent503);
    expect(uac.exit.code, why).toBe(1); // SIPp: 1 = at least one call failed
  }, 30_000);
});
