/**
 * Drive SIPp (Debian sip-tester 3.6.x) as a UAS or UAC peer in interop tests,
 * and read its results back as numbers.
 *
 * How SIPp runs here
 *   - in the foreground under spawnBounded (`timeout -k 5 N sipp ...`), with
 *     `-nostdin` (no keyboard control) and stdin closed; SIPp's own `-timeout`
 *     is set a little below the wrapper's so SIPp normally exits by itself and
 *     writes its files.
 *   - every run gets its own work dir (cwd), holding:
 *       stats.csv            -trace_stat -stf: one row per -fd period plus a final
 *                            row at exit; cumulative "(C)" columns of the LAST row
 *                            are the totals (SuccessfulCall(C), FailedCall(C), ...);
 *                            every row is kept (CurrentCall per second)
 *       <scenario>_<pid>_counts.csv
 *                            -trace_counts: one column per scenario element and
 *                            counter, e.g. "4_200_Sent", "9_486_Sent",
 *                            "5_ACK_Recv", "1_100_Unexp"; the LAST row holds the
 *                            final per-message counts (same numbers as the screen
 *                            table). SIPp has no option to name this file; we glob.
 *       screen.log           -trace_screen -screen_file: the final screens (scenario
 *                            table, statistics, repartition), for humans.
 *       errors.log           -trace_err -error_file: unexpected messages.
 *       messages.log         -trace_msg (only with traceMessages: true).
 *
 * Stopping a UAS (SIPp 3.6.1, measured):
 *   - SIGUSR1: graceful. No new calls are accepted; SIPp waits for the calls in
 *     progress to finish (including <timewait>), then exits 0/1 and writes the
 *     final stats row, counts row and screen file. Calls waiting for a message
 *     that never comes keep it waiting, hence the grace timeout below.
 *   - SIGTERM / SIGINT: immediate exit; the files are still written, but calls in
 *     progress (e.g. in timewait) are neither successful nor failed: they show in
 *     CurrentCall. Per-message counts are complete up to that moment.
 *   - `-m N`: exits by itself after N calls; `-timeout Ns`: exits after N s.
 *   `timeout` does not forward SIGUSR1, so stop() signals the sipp pid directly.
 *
 * SIPp exit codes: 0 all calls successful, 1 at least one call failed,
 * 97 exit on internal command, 99 normal exit without calls processed,
 * 255 (-1) fatal error, 254 (-2) fatal error binding a socket.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  freeTcpPort,
  freeUdpPort,
  requireCommand,
  spawnBounded,
  waitForPortBound,
  type BoundedProcess,
  type BoundedResult,
} from './procs.js';

export const SIPP_FIXTURES_DIR = resolve(fileURLToPath(new URL('../fixtures/sipp/', import.meta.url)));

/** Absolute path of a scenario in test/fixtures/sipp. */
export function sippFixture(name: string): string {
  return join(SIPP_FIXTURES_DIR, name);
}

export type SippTransport = 'udp' | 'tcp';

export interface SippCommonOptions {
  /** Scenario: `{ builtin: 'uac' }` for `-sn uac`, or a path for `-sf`. */
  scenario: { builtin: string } | string;
  /** Local port (-p). A UAS needs one; a UAC gets a free ephemeral port when omitted. */
  localPort?: number;
  /** Local IP (-i), default 127.0.0.1. */
  localIp?: string;
  /** -t u1 (default) or -t t1. */
  transport?: SippTransport;
  /** Hard time budget for the process, seconds. */
  timeoutSec: number;
  /** Directory for SIPp's files (cwd); a fresh temp dir when omitted. */
  workDir?: string;
  /** Add -trace_msg (messages.log). Expensive; for debugging. */
  traceMessages?: boolean;
  /** Extra raw arguments, appended before the remote host. */
  extraArgs?: string[];
}

export interface SippUasOptions extends SippCommonOptions {
  localPort: number;
  /** -m: exit by itself after this many calls. */
  maxCalls?: number;
}

export interface SippUacOptions extends SippCommonOptions {
  /** Remote host:port. */
  target: string;
  /** -m: total calls to place. */
  calls: number;
  /** -r: calls per second (per ratePeriodMs). */
  rate: number;
  /** -rp, default 1000 ms. */
  ratePeriodMs?: number;
  /** -l: max simultaneous calls. */
  maxConcurrent?: number;
  /** -d: length of <pause/> without duration, ms. */
  callDurationMs?: number;
  /** -s: Request-URI user. */
  service?: string;
  /** -au / -ap: digest credentials for scenarios that answer challenges. */
  authUser?: string;
  authPassword?: string;
}

/** One -fd row of the -trace_stat CSV (one per second, plus SIPp's final row at exit). */
export interface SippStatsRow {
  /** ElapsedTime(C): time since SIPp started, ms. */
  elapsedMs: number;
  /** CurrentTime as Unix epoch ms (SIPp writes "date<TAB>time<TAB>epoch.us"). */
  currentTimeMs: number;
  /** CurrentCall: calls open at that instant. */
  currentCalls: number;
  /** IncomingCall(C) and OutgoingCall(C) at that instant. */
  incomingCalls: number;
  outgoingCalls: number;
  /** Every column of the row, by header name. */
  raw: Record<string, string>;
}

/** Totals from the last row of the -trace_stat CSV, and every row. Durations in ms. */
export interface SippStats {
  totalCallsCreated: number;
  incomingCalls: number;
  outgoingCalls: number;
  currentCalls: number;
  successfulCalls: number;
  failedCalls: number;
  failedUnexpectedMessage: number;
  failedMaxUdpRetrans: number;
  failedTimeoutOnRecv: number;
  failedTimeoutOnSend: number;
  failedCallRejected: number;
  failedCannotSendMessage: number;
  failedTcpConnect: number;
  failedTcpClosed: number;
  retransmissions: number;
  deadCallMsgs: number;
  outOfCallMsgs: number;
  autoAnswered: number;
  warnings: number;
  fatalErrors: number;
  /** Mean of response time 1 (rtd="true"), ms; null when the scenario has no rtd (SIPp then writes no such column). */
  responseTime1Ms: number | null;
  callLengthMs: number;
  elapsedMs: number;
  callRate: number;
  /** Every column of the last row, by header name. */
  raw: Record<string, string>;
  /** Every row, in file order (the -fd 1 rows and the final one). */
  rows: SippStatsRow[];
}

export type SippElementKind = 'send' | 'recv' | 'pause' | 'other';

/** One scenario element's counters from the last row of the -trace_counts CSV. */
export interface SippMessageCount {
  /** Scenario element index (0-based, as SIPp numbers them). */
  index: number;
  /** 'INVITE', '200', 'ACK', 'Pause', ... */
  name: string;
  kind: SippElementKind;
  /** Messages sent or received (first transmissions), or pause sessions. */
  count: number;
  retrans: number;
  timeout: number;
  unexpected: number;
}

export interface SippResult {
  exit: BoundedResult;
  workDir: string;
  /** Always present: collecting the result throws when SIPp wrote no stats.csv. */
  stats: SippStats;
  messages: SippMessageCount[];
  screen: string;
  errors: string;
}

export interface SippUasHandle {
  port: number;
  workDir: string;
  proc: BoundedProcess;
  /** Resolves when SIPp exits for any reason (results parsed). */
  finished: Promise<SippResult>;
  /**
   * Graceful stop: SIGUSR1 to sipp (finish calls in progress, write final stats),
   * then after graceMs (default 5000) SIGTERM, then SIGKILL. Resolves with the results.
   */
  stop(graceMs?: number): Promise<SippResult>;
}

/** SIPp's duration format: "HH:MM:SS:uuuuuu" (microseconds) or "HH:MM:SS". */
export function parseSippDuration(s: string): number {
  const p = s.trim().split(':').map(Number);
  if (p.length < 3 || p.some((x) => Number.isNaN(x))) return NaN;
  const [h, m, sec] = p as [number, number, number];
  const us = p.length >= 4 ? (p[3] as number) : 0;
  return ((h * 60 + m) * 60 + sec) * 1000 + us / 1000;
}

/** Header and data rows of a SIPp CSV (';'-separated, SIPp ends every line with ';'). */
function csvRows(csv: string, what: string): { header: string[]; rows: string[][] } {
  const lines = csv.split('\n').filter((l) => l.trim() !== '');
  if (lines.length < 2) throw new Error(`SIPp ${what}: no data row (${lines.length === 0 ? 'empty file' : 'header only'})`);
  const header = (lines[0] as string).split(';');
  const rows = lines.slice(1).map((l) => l.split(';'));
  return { header, rows };
}

function byName(header: readonly string[], row: readonly string[]): Record<string, string> {
  const raw: Record<string, string> = {};
  header.forEach((h, i) => {
    if (h !== '') raw[h] = row[i] ?? '';
  });
  return raw;
}

/** A number from a named column; throws when the column is unknown, empty or not a number. */
function numberAt(raw: Record<string, string>, k: string, what: string): number {
  const v = raw[k];
  if (v === undefined) throw new Error(`SIPp ${what}: no column "${k}" (columns: ${Object.keys(raw).join(' ')})`);
  const n = v.trim() === '' ? NaN : Number(v);
  if (!Number.isFinite(n)) throw new Error(`SIPp ${what}: column "${k}" is "${v}", not a number`);
  return n;
}

/** A SIPp duration ("HH:MM:SS[:uuuuuu]") from a named column; throws like numberAt. */
function durationAt(raw: Record<string, string>, k: string, what: string): number {
  const v = raw[k];
  if (v === undefined) throw new Error(`SIPp ${what}: no column "${k}"`);
  const ms = parseSippDuration(v);
  if (!Number.isFinite(ms)) throw new Error(`SIPp ${what}: column "${k}" is "${v}", not a duration`);
  return ms;
}

/** SIPp's CurrentTime: "2026-12-03<TAB>06:48:13.728915<TAB>1796280493.728915" → epoch ms. */
function epochMsAt(raw: Record<string, string>, k: string, what: string): number {
  const v = raw[k];
  if (v === undefined) throw new Error(`SIPp ${what}: no column "${k}"`);
  const last = v.trim().split(/\s+/).pop() ?? '';
  const s = Number(last);
  if (last === '' || !Number.isFinite(s)) throw new Error(`SIPp ${what}: column "${k}" is "${v}", not a time`);
  return s * 1000;
}

/**
 * Parse the -trace_stat CSV: the totals of its last row and every row. Throws on a
 * file without data rows and on any column it needs that is missing or not a number
 * (another SIPp version's layout must fail the test, not read as 0).
 */
export function parseSippStatsCsv(csv: string): SippStats {
  const what = 'stats.csv';
  const { header, rows } = csvRows(csv, what);
  const all = rows.map((r) => byName(header, r));
  const raw = all[all.length - 1] as Record<string, string>;
  const num = (k: string): number => numberAt(raw, k, what);
  return {
    totalCallsCreated: num('TotalCallCreated'),
    incomingCalls: num('IncomingCall(C)'),
    outgoingCalls: num('OutgoingCall(C)'),
    currentCalls: num('CurrentCall'),
    successfulCalls: num('SuccessfulCall(C)'),
    failedCalls: num('FailedCall(C)'),
    failedUnexpectedMessage: num('FailedUnexpectedMessage(C)'),
    failedMaxUdpRetrans: num('FailedMaxUDPRetrans(C)'),
    failedTimeoutOnRecv: num('FailedTimeoutOnRecv(C)'),
    failedTimeoutOnSend: num('FailedTimeoutOnSend(C)'),
    failedCallRejected: num('FailedCallRejected(C)'),
    failedCannotSendMessage: num('FailedCannotSendMessage(C)'),
    failedTcpConnect: num('FailedTcpConnect(C)'),
    failedTcpClosed: num('FailedTcpClosed(C)'),
    retransmissions: num('Retransmissions(C)'),
    deadCallMsgs: num('DeadCallMsgs(C)'),
    outOfCallMsgs: num('OutOfCallMsgs(C)'),
    autoAnswered: num('AutoAnswered(C)'),
    warnings: num('Warnings(C)'),
    fatalErrors: num('FatalErrors(C)'),
    responseTime1Ms: raw['ResponseTime1(C)'] === undefined ? null : durationAt(raw, 'ResponseTime1(C)', what),
    callLengthMs: durationAt(raw, 'CallLength(C)', what),
    elapsedMs: durationAt(raw, 'ElapsedTime(C)', what),
    callRate: num('CallRate(C)'),
    raw,
    rows: all.map((r) => ({
      elapsedMs: durationAt(r, 'ElapsedTime(C)', what),
      currentTimeMs: epochMsAt(r, 'CurrentTime', what),
      currentCalls: numberAt(r, 'CurrentCall', what),
      incomingCalls: numberAt(r, 'IncomingCall(C)', what),
      outgoingCalls: numberAt(r, 'OutgoingCall(C)', what),
      raw: r,
    })),
  };
}

const COUNT_COL = /^(\d+)_(.+)_(Sent|Recv|Retrans|Timeout|Unexp|Lost|Sessions)$/;

/**
 * Parse the -trace_counts CSV (its last row) into per-element counters, in scenario
 * order. Throws on a file without data rows, without any element column, or with a
 * counter that is not a number.
 */
export function parseSippCountsCsv(csv: string): SippMessageCount[] {
  const what = 'counts.csv';
  const { header, rows } = csvRows(csv, what);
  const row = rows[rows.length - 1] as string[];
  const byIndex = new Map<number, SippMessageCount>();
  header.forEach((h, i) => {
    const m = COUNT_COL.exec(h);
    if (m === null) return;
    const index = Number(m[1]);
    const cell = row[i] ?? '';
    const v = cell.trim() === '' ? NaN : Number(cell);
    if (!Number.isFinite(v)) throw new Error(`SIPp ${what}: column "${h}" is "${cell}", not a number`);
    let e = byIndex.get(index);
    if (e === undefined) {
      e = { index, name: m[2] as string, kind: 'other', count: 0, retrans: 0, timeout: 0, unexpected: 0 };
      byIndex.set(index, e);
    }
    switch (m[3]) {
      case 'Sent':
        e.kind = 'send';
        e.count = v;
        break;
      case 'Recv':
        e.kind = 'recv';
        e.count = v;
        break;
      case 'Sessions':
        e.kind = 'pause';
        e.count = v;
        break;
      case 'Retrans':
        e.retrans = v;
        break;
      case 'Timeout':
        e.timeout = v;
        break;
      case 'Unexp':
        e.unexpected = v;
        break;
      default:
        break;
    }
  });
  if (byIndex.size === 0) throw new Error(`SIPp ${what}: no per-element column (header: ${header.join(' ')})`);
  return [...byIndex.values()].sort((a, b) => a.index - b.index);
}

/**
 * The rows of SIPp's stats taken while callcert held its target: CurrentCall of
 * every row whose CurrentTime falls in [fromMs, toMs] (epoch ms).
 */
export function sippCurrentCallsBetween(stats: SippStats, fromMs: number, toMs: number): number[] {
  return stats.rows.filter((r) => r.currentTimeMs >= fromMs && r.currentTimeMs <= toMs).map((r) => r.currentCalls);
}

/** Elements named `name` of the given kind, in scenario order (e.g. every "200" SIPp sent). */
export function sippElements(res: SippResult, name: string, kind: SippElementKind): SippMessageCount[] {
  return res.messages.filter((m) => m.name === name && m.kind === kind);
}

/** Sum of first transmissions of `name` sent by SIPp across the scenario. */
export function sippSentCount(res: SippResult, name: string): number {
  return sippElements(res, name, 'send').reduce((a, m) => a + m.count, 0);
}

/** Sum of `name` received by SIPp across the scenario. */
export function sippRecvCount(res: SippResult, name: string): number {
  return sippElements(res, name, 'recv').reduce((a, m) => a + m.count, 0);
}

/**
 * Read SIPp's files after it exited. Throws (with SIPp's exit and stderr) when
 * stats.csv or the *_counts.csv file is missing or unreadable: a test must not read
 * "no file" as "0 messages".
 */
export function collectResult(workDir: string, exit: BoundedResult): SippResult {
  const fail = (msg: string, cause?: unknown): never => {
    throw new Error(
      `SIPp in ${workDir}: ${msg}${cause instanceof Error ? `: ${cause.message}` : ''}\n` +
        `  exit=${exit.code}${exit.timedOut ? ' (timed out)' : ''} signal=${exit.signal}\n  stderr (tail): ${exit.stderr.slice(-1500)}`,
    );
  };
  const read = (name: string): string => {
    try {
      return readFileSync(join(workDir, name), 'utf8');
    } catch (e) {
      return fail(`cannot read ${name}`, e);
    }
  };
  const countsFiles = readdirSync(workDir).filter((f) => f.endsWith('_counts.csv'));
  if (countsFiles.length !== 1) fail(`expected one *_counts.csv, found ${countsFiles.length === 0 ? 'none' : countsFiles.join(', ')}`);
  let stats: SippStats;
  let messages: SippMessageCount[];
  try {
    stats = parseSippStatsCsv(read('stats.csv'));
    messages = parseSippCountsCsv(read(countsFiles[0] as string));
  } catch (e) {
    return fail('unusable results', e);
  }
  const optional = (name: string): string => {
    try {
      return readFileSync(join(workDir, name), 'utf8');
    } catch {
      return '';
    }
  };
  return { exit, workDir, stats, messages, screen: optional('screen.log'), errors: optional('errors.log') };
}

function baseArgs(o: SippCommonOptions, workDir: string, sippTimeoutSec: number): string[] {
  const args: string[] = [];
  if (typeof o.scenario === 'string') args.push('-sf', o.scenario);
  else args.push('-sn', o.scenario.builtin);
  args.push('-i', o.localIp ?? '127.0.0.1');
  // SIPp's remote-control socket (8888..8947) obeys any datagram ('q' quits): keep it on loopback.
  args.push('-ci', '127.0.0.1');
  if (o.localPort !== undefined) args.push('-p', String(o.localPort));
  args.push('-t', o.transport === 'tcp' ? 't1' : 'u1');
  args.push(
    '-nostdin',
    '-buff_size',
    '4194304',
    '-timeout',
    `${sippTimeoutSec}s`,
    '-trace_stat',
    '-stf',
    join(workDir, 'stats.csv'),
    '-fd',
    '1',
    '-trace_counts',
    '-trace_screen',
    '-screen_file',
    join(workDir, 'screen.log'),
    '-trace_err',
    '-error_file',
    join(workDir, 'errors.log'),
  );
  if (o.traceMessages) args.push('-trace_msg', '-message_file', join(workDir, 'messages.log'));
  return args;
}

function prepare(o: SippCommonOptions): { sipp: string; workDir: string; sippTimeoutSec: number; wrapperTimeoutSec: number } {
  const sipp = requireCommand('sipp', 'apt-get install sip-tester');
  const workDir = o.workDir ?? mkdtempSync(join(tmpdir(), 'callcert-sipp-'));
  // SIPp's own -timeout fires first so that it exits by itself and writes its files.
  const sippTimeoutSec = Math.max(1, o.timeoutSec);
  return { sipp, workDir, sippTimeoutSec, wrapperTimeoutSec: sippTimeoutSec + 5 };
}

/**
 * Start SIPp as a UAS listening on 127.0.0.1:localPort and wait until the port
 * is bound (probed by bind, so the UAS sees no stray traffic).
 */
export async function startSippUas(o: SippUasOptions): Promise<SippUasHandle> {
  const { sipp, workDir, sippTimeoutSec, wrapperTimeoutSec } = prepare(o);
  const args = baseArgs(o, workDir, sippTimeoutSec);
  if (o.maxCalls !== undefined) args.push('-m', String(o.maxCalls));
  if (o.extraArgs) args.push(...o.extraArgs);
  const proc = spawnBounded(sipp, args, { timeoutSec: wrapperTimeoutSec, cwd: workDir });
  const finished = proc.exited.then((exit) => collectResult(workDir, exit));
  // A test that fails before stop() still sees the error from stop(); never an unhandled rejection.
  finished.catch(() => undefined);
  try {
    await waitForPortBound(o.transport === 'tcp' ? 'tcp' : 'udp', o.localIp ?? '127.0.0.1', o.localPort, 5000, proc);
  } catch (e) {
    await proc.kill(1000);
    throw e;
  }
  return {
    port: o.localPort,
    workDir,
    proc,
    finished,
    async stop(graceMs = 5000) {
      if (!proc.done) {
        if (!proc.signalCommand('SIGUSR1')) {
          // sipp not (yet) visible: fall back to terminating the wrapper.
          await proc.kill(graceMs);
        } else {
          const t = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), graceMs).unref());
          if ((await Promise.race([proc.exited.then(() => 'exited' as const), t])) === 'timeout') {
            await proc.kill(3000);
          }
        }
      }
      return finished;
    },
  };
}

/** Run a SIPp UAC to completion (-m calls) and return its parsed results. */
export async function runSippUac(o: SippUacOptions): Promise<SippResult> {
  const { sipp, workDir, sippTimeoutSec, wrapperTimeoutSec } = prepare(o);
  // Without -p SIPp 3.6 tries 5060 first: take an ephemeral port instead.
  const localPort = o.localPort ?? (o.transport === 'tcp' ? await freeTcpPort() : await freeUdpPort());
  const args = baseArgs({ ...o, localPort }, workDir, sippTimeoutSec);
  args.push('-m', String(o.calls), '-r', String(o.rate));
  if (o.ratePeriodMs !== undefined) args.push('-rp', `${o.ratePeriodMs}ms`);
  if (o.maxConcurrent !== undefined) args.push('-l', String(o.maxConcurrent));
  if (o.callDurationMs !== undefined) args.push('-d', `${o.callDurationMs}ms`);
  if (o.service !== undefined) args.push('-s', o.service);
  if (o.authUser !== undefined) args.push('-au', o.authUser);
  if (o.authPassword !== undefined) args.push('-ap', o.authPassword);
  if (o.extraArgs) args.push(...o.extraArgs);
  args.push(o.target);
  const proc = spawnBounded(sipp, args, { timeoutSec: wrapperTimeoutSec, cwd: workDir });
  const exit = await proc.exited;
  return collectResult(workDir, exit);
}

/** One-line summary for assertion messages. */
export function describeSippResult(r: SippResult): string {
  const s = r.stats;
  const counts = r.messages
    .map((m) => `${m.index}:${m.name}/${m.kind}=${m.count}${m.unexpected ? ` unexp=${m.unexpected}` : ''}${m.timeout ? ` to=${m.timeout}` : ''}`)
    .join(' ');
  return (
    `exit=${r.exit.code}${r.exit.timedOut ? ' (timed out)' : ''} dir=${r.workDir} ` +
    `created=${s.totalCallsCreated} ok=${s.successfulCalls} failed=${s.failedCalls} current=${s.currentCalls} unexpected=${s.failedUnexpectedMessage} retrans=${s.retransmissions}` +
    `\ncounts: ${counts}` +
    (r.errors ? `\nerrors.log (head): ${r.errors.slice(0, 1500)}` : '') +
    (r.exit.stderr ? `\nstderr (tail): ${r.exit.stderr.slice(-1500)}` : '')
  );
}

/** SIP messages SIPp logged as received (-trace_msg: a SippResult's messages.log), split into their text. */
export function sippReceivedMessages(messagesLog: string): string[] {
  return messagesLog
    .split(/^-{10,}.*$/m)
    .filter((block) => /message received/.test(block))
    .map((block) => block.slice(block.indexOf('\n', block.indexOf('message received')) + 1).trim());
}

/** Every value of header `name` in the text of one SIP message (case-insensitive). */
export function sipHeaderValues(msg: string, name: string): string[] {
  const re = new RegExp(`^${name}:\\s*(.*)$`, 'gim');
  return [...msg.matchAll(re)].map((m) => (m[1] as string).trim());
}
