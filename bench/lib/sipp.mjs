/**
 * SIPp (3.6.x) command lines and result parsing for bench/run.mjs.
 * The CSV parsing is copied from test/helpers/sipp.ts (bench must not import TS).
 *
 * SIPp always runs in the foreground (-nostdin, no -bg) under `timeout`, with
 * its own -timeout a little shorter so that it normally exits by itself and
 * writes its files. Files go into the run's own directory:
 *   stats.csv   -trace_stat -stf: the LAST row's "(C)" columns are the totals.
 *   errors.log  -trace_err: unexpected messages, for diagnosis.
 * SIPp exit codes: 0 all calls successful, 1 at least one failed, 97 internal
 * command, 99 normal exit without calls, 255 fatal, 254 cannot bind.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const SIPP_BUFF_SIZE = '4194304';

export function sippVersion() {
  try {
    const out = execFileSync('sipp', ['-v'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 5000 });
    return /SIPp v?([^\s]+?)\.?(\s|$)/.exec(out)?.[1] ?? 'unknown';
  } catch (e) {
    // `sipp -v` exits non-zero on some builds but still prints the version.
    const out = `${e.stdout ?? ''}${e.stderr ?? ''}`;
    const m = /SIPp v?([^\s]+?)\.?(\s|$)/.exec(out);
    if (m) return m[1];
    throw new Error('sipp not found on PATH (apt-get install sip-tester)');
  }
}

/*
 * -cp/-ci: SIPp's remote-control socket. By default every SIPp binds the first
 * free UDP port of 8888..8947 on every interface, and ANY datagram arriving
 * there is obeyed: first byte 'q' quits (stops placing calls), 'p' pauses, '/'
 * or '-' lowers the rate. On a shared machine that once stopped a 10,000-call
 * UAC after 1,824 calls, so each SIPp gets its own ephemeral control port on
 * loopback instead.
 */
function common(dir, localPort, controlPort, timeoutSec) {
  return [
    '-i', '127.0.0.1',
    '-p', String(localPort),
    '-ci', '127.0.0.1',
    '-cp', String(controlPort),
    '-t', 'u1',
    '-nostdin',
    '-buff_size', SIPP_BUFF_SIZE,
    '-timeout', `${Math.max(1, Math.round(timeoutSec))}s`,
    '-trace_stat', '-stf', join(dir, 'stats.csv'), '-fd', '1',
    '-trace_err', '-error_file', join(dir, 'errors.log'),
  ];
}

/** Built-in UAS on 127.0.0.1:port: INVITE → 180, 200 (SDP) → ACK → BYE → 200. */
export function uasArgs({ dir, port, controlPort, timeoutSec }) {
  return ['-sn', 'uas', ...common(dir, port, controlPort, timeoutSec)];
}

/** Built-in UAC: `calls` calls at `rate` CPS, each held holdMs (-d), at most `limit` open (-l). */
export function uacArgs({ dir, localPort, controlPort, target, rate, holdMs, calls, limit, timeoutSec }) {
  const a = ['-sn', 'uac', ...common(dir, localPort, controlPort, timeoutSec), '-r', String(rate), '-d', String(holdMs), '-m', String(calls)];
  if (limit !== undefined) a.push('-l', String(limit));
  a.push(target);
  return a;
}

/** SIPp durations "HH:MM:SS:uuuuuu" → ms. */
export function parseSippDuration(s) {
  const p = String(s).trim().split(':').map(Number);
  if (p.length < 3 || p.some((x) => Number.isNaN(x))) return NaN;
  const [h, m, sec] = p;
  const us = p.length >= 4 ? p[3] : 0;
  return ((h * 60 + m) * 60 + sec) * 1000 + us / 1000;
}

/** Totals from the last row of a -trace_stat CSV, or null. */
export function parseSippStatsCsv(csv) {
  const lines = csv.split('\n').filter((l) => l.trim() !== '');
  if (lines.length < 2) return null;
  const header = lines[0].split(';');
  const row = lines[lines.length - 1].split(';');
  const raw = {};
  header.forEach((h, i) => {
    if (h !== '') raw[h] = row[i] ?? '';
  });
  const num = (k) => (raw[k] === undefined || raw[k] === '' ? 0 : Number(raw[k]));
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
    failedCallRejected: num('FailedCallRejected(C)'),
    retransmissions: num('Retransmissions(C)'),
    deadCallMsgs: num('DeadCallMsgs(C)'),
    outOfCallMsgs: num('OutOfCallMsgs(C)'),
    warnings: num('Warnings(C)'),
    fatalErrors: num('FatalErrors(C)'),
    responseTime1Ms: parseSippDuration(raw['ResponseTime1(C)'] ?? ''),
    callLengthMs: parseSippDuration(raw['CallLength(C)'] ?? ''),
    elapsedMs: parseSippDuration(raw['ElapsedTime(C)'] ?? ''),
    callRate: num('CallRate(C)'),
  };
}

export function readSippStats(dir) {
  const f = join(dir, 'stats.csv');
  return existsSync(f) ? parseSippStatsCsv(readFileSync(f, 'utf8')) : null;
}

/** First `max` characters of errors.log, '' when absent. */
export function readSippErrors(dir, max = 800) {
  const f = join(dir, 'errors.log');
  if (!existsSync(f)) return '';
  return readFileSync(f, 'utf8').slice(0, max);
}
