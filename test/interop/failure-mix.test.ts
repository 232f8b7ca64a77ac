/**
 * callcert run (open model, 20 cps for 5 s) → SIPp UAS running uas-mix.xml,
 * which answers by call number: ...3 / ...7 → 486, ...9 → 503, else 180/200.
 *
 * callcert's failure counts and RFC 6076 ratios must equal what is recomputed
 * from SIPp's own per-message counters:
 *   failuresByCode = { 486: SIPp sent 486, 503: SIPp sent 503 }
 *   SER  = sent 200 (to INVITE) / INVITEs SIPp received       (no 3xx here)
 *   SEER = (sent 200 + sent 486) / INVITEs
 *   ISA  = sent 503 / INVITEs
 *   SCR  = BYEs SIPp received / INVITEs
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { countByCause, describeCli, readCalls, readResults, report, requireBuiltCli, runCli, tempDir } from '../helpers/cli.js';
import { freeUdpPort, requireCommand } from '../helpers/procs.js';
import { describeSippResult, sippElements, sippFixture, sippRecvCount, sippSentCount, startSippUas, type SippUasHandle } from '../helpers/sipp.js';

let root = '';
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(() => {
  requireCommand('sipp', 'CI installs it: apt-get install sip-tester');
  requireBuiltCli();
  root = tempDir('failure-mix');
});

afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.().catch(() => undefined);
});

afterAll(() => {
  if (root && !process.env.CALLCERT_KEEP_TMP) rmSync(root, { recursive: true, force: true });
});

describe('callcert run → SIPp UAS with a deterministic 200/486/503 mix', () => {
  // --workers 2 splits the arrivals over two worker threads and merges their counts: the
  // figures are exact by design, so any segmentation or merge error shows here.
  for (const workers of [1, 2]) {
    it(`--rate 20 --hold 1s --ramp 0 --duration 5s --workers ${workers}: 100 arrivals; failures and SER/SEER/ISA match SIPp exactly`, async () => {
      const port = await freeUdpPort();
      const uas: SippUasHandle = await startSippUas({
        scenario: sippFixture('uas-mix.xml'),
        localPort: port,
        timeoutSec: 35,
        workDir: tempDir(`uas-mix-w${workers}`, root),
      });
      cleanups.push(() => uas.stop(1000));
      const out = join(root, `out-w${workers}`);
      const cli = await runCli(
        ['run', '--target', `sip:service@127.0.0.1:${port}`, '--rate', '20', '--hold', '1s', '--ramp', '0', '--duration', '5s', '--workers', String(workers), '--out', out, '--quiet',
          '--media', 'none', // signalling only: SIPp's UAS here does not echo RTP
          // This test is about counting a failure mix. Its 100 calls make the slip p99 their worst two, and two workers
          // share the box's two cores with the other test files: one such run was marked INVALID at 25.9 ms on a clean
          // clone. Generator health has its own tests (run-saturation).
          '--set', 'generator.maxScheduleSlipMsP99=100'],
        { timeoutSec: 30 },
      );
      const sipp = await uas.stop(5000);
      const r = readResults(out);
      const s = r.summary;
      const why = `${describeCli(cli)}\nUAS: ${describeSippResult(sipp)}\nsummary: ${JSON.stringify({ calls: s.calls, failuresByCode: s.failuresByCode, finalByCode: s.finalByCode, ratios: s.ratios })}`;

      // SIPp's numbers
      const invites = sippRecvCount(sipp, 'INVITE');
      const [ok200, bye200] = sippElements(sipp, '200', 'send');
      const sent200 = ok200?.count ?? 0;
      const sent486 = sippSentCount(sipp, '486');
      const sent503 = sippSentCount(sipp, '503');
      const byes = sippRecvCount(sipp, 'BYE');

      report(`failure-mix --workers ${workers}`, {
        exit: cli.code,
        wallMs: Math.round(cli.wallMs),
        callcert: { ...s.calls, failuresByCode: s.failuresByCode, finalByCode: s.finalByCode, ratios: s.ratios },
        sipp: { invites, sent200, sent486, sent503, ackRecv: sippRecvCount(sipp, 'ACK'), byeRecv: byes, bye200: bye200?.count, successful: sipp.stats.successfulCalls, failed: sipp.stats.failedCalls },
      });

      // 20 cps over the 5 s hold stage (the 1 ms "ramp 0" step adds none): exactly 100 arrivals.
      expect(r.generator.workers, why).toBe(workers);
      expect(s.calls.attempted, why).toBe(100);
      expect(s.calls.blocked, why).toBe(0);
      expect(s.calls.aborted, why).toBe(0);
      expect(r.valid, why).toBe(true);
      expect(r.verdict, why).toBe('not_judged');
      expect(cli.code, why).toBe(1); // no criteria, and 30 calls failed: SIPp's exit rule

      // SIPp numbers calls 1..100 in arrival order: 70 / 20 / 10 exactly.
      expect(invites, why).toBe(s.calls.attempted);
      expect(sent200, why).toBe(70);
      expect(sent486, why).toBe(20);
      expect(sent503, why).toBe(10);

      // Both sides agree, count for count.
      expect(s.failuresByCode, why).toEqual({ 486: sent486, 503: sent503 });
      expect(s.finalByCode, why).toEqual({ 200: sent200, 486: sent486, 503: sent503 });
      expect(s.calls.failed, why).toBe(sent486 + sent503);
      expect(s.calls.answered, why).toBe(sent200);
      expect(s.calls.completed, why).toBe(byes);
      expect(bye200?.count, why).toBe(byes);
      expect(byes, why).toBe(sent200);
      // Every final response was ACKed (hop-by-hop for 486/503, end-to-end for 200).
      expect(sippRecvCount(sipp, 'ACK'), why).toBe(invites);
      expect(sipp.stats.successfulCalls, why).toBe(invites);
      expect(sipp.stats.failedCalls, why).toBe(0);
      expect(countByCause(readCalls(out)), why).toEqual({ completed: sent200, rejected: sent486 + sent503 });

      // RFC 6076 ratios recomputed from SIPp's counters.
      expect(s.ratios.ser, why).toBeCloseTo(sent200 / invites, 10);
      expect(s.ratios.seer, why).toBeCloseTo((sent200 + sent486) / invites, 10);
      expect(s.ratios.isa, why).toBeCloseTo(sent503 / invites, 10);
      expect(s.ratios.scr, why).toBeCloseTo(byes / invites, 10);
      expect(s.ratios.asr, why).toBeCloseTo(sent200 / invites, 10);
      if (workers > 1) {
        // Each worker's calls carry its index; both took a share of the arrivals.
        const byWorker = countByCause(readCalls(out).map((l) => ({ ...l, cause: String(l.w) })));
        expect(Object.keys(byWorker).sort(), why).toEqual(['0', '1']);
      }
    }, 60_000);
  }
});
