/**
 * The SIPp CSV parsers of test/helpers/sipp.ts over files recorded from a real
 * SIPp 3.6.1 run (test/fixtures/sipp/recorded-3.6.1/): the UAS ran uas-basic.xml
 * with `-m 10`, the UAC `-sn uac -m 10 -r 4 -l 10 -d 1500`, both `-trace_stat -fd 1
 * -trace_counts`. Every interop test's "== 0" rests on these parsers: an unknown
 * column, an unparsable cell or a missing file must throw, never read as 0.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/cli.js';
import type { BoundedResult } from '../helpers/procs.js';
import { collectResult, parseSippCountsCsv, parseSippStatsCsv, sippCurrentCallsBetween, sippFixture } from '../helpers/sipp.js';

const recorded = (name: string): string => readFileSync(sippFixture(join('recorded-3.6.1', name)), 'utf8');
const exit: BoundedResult = { code: 0, signal: null, stdout: '', stderr: '', timedOut: false };

describe('parseSippStatsCsv over a recorded SIPp 3.6.1 UAS stats.csv', () => {
  const stats = parseSippStatsCsv(recorded('uas-stats.csv'));

  it('reads the totals of the last row', () => {
    expect(stats).toMatchObject({
      totalCallsCreated: 10,
      incomingCalls: 10,
      outgoingCalls: 0,
      currentCalls: 0,
      successfulCalls: 10,
      failedCalls: 0,
      failedUnexpectedMessage: 0,
      retransmissions: 0,
      outOfCallMsgs: 0,
      deadCallMsgs: 0,
      elapsedMs: 5000,
      callLengthMs: 2011,
    });
  });

  it('keeps every -fd 1 row, with CurrentCall and the epoch time of each', () => {
    expect(stats.rows.map((r) => r.currentCalls)).toEqual([0, 0, 3, 8, 7, 3, 0, 0]);
    expect(stats.rows.map((r) => r.incomingCalls)).toEqual([0, 0, 3, 8, 10, 10, 10, 10]);
    expect(stats.rows.map((r) => r.elapsedMs)).toEqual([0, 1000, 2000, 3000, 4000, 5000, 5000, 5000]);
    expect(stats.rows[0]?.currentTimeMs).toBeCloseTo(1796280493729.269, 3);
    expect(stats.rows[7]?.currentTimeMs).toBeCloseTo(1796280499252.609, 3);
    // Rows between two instants (inclusive), by CurrentTime.
    expect(sippCurrentCallsBetween(stats, 1796280495000, 1796280497800)).toEqual([3, 8, 7]);
  });

  it('throws on a column it needs that is missing (another SIPp layout), instead of reading 0', () => {
    const csv = recorded('uas-stats.csv').replace('FailedCall(C)', 'FailedCalls(C)');
    expect(() => parseSippStatsCsv(csv)).toThrow('SIPp stats.csv: no column "FailedCall(C)"');
  });

  it('throws on an empty cell or a cell that is not a number', () => {
    const lines = recorded('uas-stats.csv').split('\n');
    const col = (lines[0] as string).split(';').indexOf('CurrentCall');
    const withCell = (v: string): string =>
      lines.map((l, i) => (i === lines.length - 2 ? l.split(';').map((c, j) => (j === col ? v : c)).join(';') : l)).join('\n');
    expect(() => parseSippStatsCsv(withCell(''))).toThrow('SIPp stats.csv: column "CurrentCall" is "", not a number');
    const junk = withCell('x');
    expect(() => parseSippStatsCsv(junk)).toThrow('column "CurrentCall" is "x", not a number');
  });

  it('reads ResponseTime1 only when the scenario has an rtd (without one SIPp writes no such column)', () => {
    expect(stats.responseTime1Ms).toBe(0);
    const lines = recorded('uas-stats.csv').split('\n');
    const drop = new Set(['ResponseTime1(P)', 'ResponseTime1(C)', 'ResponseTime1StDev(P)', 'ResponseTime1StDev(C)']);
    const keep = (lines[0] as string).split(';').map((h) => !drop.has(h));
    const without = lines.map((l) => l.split(';').filter((_, j) => keep[j] ?? true).join(';')).join('\n');
    const s = parseSippStatsCsv(without);
    expect(s.responseTime1Ms).toBeNull();
    expect(s.callLengthMs).toBe(2011);
  });

  it('throws on an empty file and on a header without rows', () => {
    expect(() => parseSippStatsCsv('')).toThrow('SIPp stats.csv: no data row (empty file)');
    expect(() => parseSippStatsCsv(recorded('uas-stats.csv').split('\n')[0] as string)).toThrow('no data row (header only)');
  });
});

describe('parseSippCountsCsv over recorded SIPp 3.6.1 -trace_counts files', () => {
  it('UAS (uas-basic.xml): the final per-element counters, in scenario order', () => {
    expect(parseSippCountsCsv(recorded('uas-basic_counts.csv'))).toEqual([
      { index: 0, name: 'INVITE', kind: 'recv', count: 10, retrans: 0, timeout: 0, unexpected: 0 },
      { index: 1, name: '180', kind: 'send', count: 10, retrans: 0, timeout: 0, unexpected: 0 },
      { index: 2, name: '200', kind: 'send', count: 10, retrans: 0, timeout: 0, unexpected: 0 },
      { index: 3, name: 'ACK', kind: 'recv', count: 10, retrans: 0, timeout: 0, unexpected: 0 },
      { index: 4, name: 'BYE', kind: 'recv', count: 10, retrans: 0, timeout: 0, unexpected: 0 },
      { index: 5, name: '200', kind: 'send', count: 10, retrans: 0, timeout: 0, unexpected: 0 },
      { index: 6, name: 'Pause', kind: 'pause', count: 10, retrans: 0, timeout: 0, unexpected: 0 },
    ]);
  });

  it('UAC (-sn uac): optional 100 and 183 read as 0, the rest as 10', () => {
    const m = parseSippCountsCsv(recorded('uac_counts.csv'));
    expect(m.map((e) => [e.index, e.name, e.kind, e.count])).toEqual([
      [0, 'INVITE', 'send', 10],
      [1, '100', 'recv', 0],
      [2, '180', 'recv', 10],
      [3, '183', 'recv', 0],
      [4, '200', 'recv', 10],
      [5, 'ACK', 'send', 10],
      [6, 'Pause', 'pause', 10],
      [7, 'BYE', 'send', 10],
      [8, '200', 'recv', 10],
    ]);
  });

  it('throws on a cell that is not a number, a file without element columns, or no rows', () => {
    const lines = recorded('uas-basic_counts.csv').trimEnd().split('\n');
    const last = (lines[lines.length - 1] as string).split(';');
    last[2] = '';
    const bad = [...lines.slice(0, -1), last.join(';')].join('\n');
    expect(() => parseSippCountsCsv(bad)).toThrow('SIPp counts.csv: column "0_INVITE_Recv" is "", not a number');
    expect(() => parseSippCountsCsv('CurrentTime;ElapsedTime;\nx;y;\n')).toThrow('SIPp counts.csv: no per-element column');
    expect(() => parseSippCountsCsv(lines[0] as string)).toThrow('SIPp counts.csv: no data row (header only)');
  });
});

describe('collectResult', () => {
  const dirWith = (files: Record<string, string>): string => {
    const d = tempDir('sipp-collect');
    mkdirSync(d, { recursive: true });
    for (const [n, t] of Object.entries(files)) writeFileSync(join(d, n), t);
    return d;
  };

  it('reads a complete work dir', () => {
    const d = dirWith({ 'stats.csv': recorded('uas-stats.csv'), 'uas-basic_4242_counts.csv': recorded('uas-basic_counts.csv') });
    const r = collectResult(d, exit);
    expect(r.stats.successfulCalls).toBe(10);
    expect(r.messages).toHaveLength(7);
    expect(r.screen).toBe('');
  });

  it('fails when stats.csv is absent', () => {
    const d = dirWith({ 'uas-basic_4242_counts.csv': recorded('uas-basic_counts.csv') });
    expect(() => collectResult(d, exit)).toThrow(/cannot read stats\.csv/);
  });

  it('fails when the *_counts.csv file is absent', () => {
    const d = dirWith({ 'stats.csv': recorded('uas-stats.csv') });
    expect(() => collectResult(d, exit)).toThrow(/expected one \*_counts\.csv, found none/);
  });

  it('fails when stats.csv has no data row', () => {
    const d = dirWith({ 'stats.csv': '', 'uas-basic_4242_counts.csv': recorded('uas-basic_counts.csv') });
    expect(() => collectResult(d, exit)).toThrow(/unusable results: SIPp stats\.csv: no data row/);
  });
});
