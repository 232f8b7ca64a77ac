/**
 * Process and socket helpers for interop tests that drive real peers (SIPp,
 * Kamailio). Every process is wrapped in coreutils `timeout -k 5 N` so that
 * nothing outlives its budget, even if the test runner itself dies.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { accessSync, constants as fsConstants, readdirSync, readFileSync } from 'node:fs';
import { createConnection, createServer, isIPv6 } from 'node:net';
import { delimiter, join } from 'node:path';

export interface BoundedResult {
  /** Exit code of the `timeout` wrapper: the command's own code, 124 when the time ran out, 137 when it had to be KILLed. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** true when `timeout` ended the command (exit code 124 or 137). */
  timedOut: boolean;
  /** Set when the wrapper could not be spawned at all. */
  error?: Error;
}

export interface BoundedProcess {
  child: ChildProcess;
  /** pid of the `timeout` wrapper (also the process-group id). */
  pid: number;
  exited: Promise<BoundedResult>;
  /** true once `exited` has settled. */
  readonly done: boolean;
  /** Output so far (tail-capped). */
  stdoutSoFar(): string;
  stderrSoFar(): string;
  /**
   * pid of the wrapped command (the child of `timeout`), read from /proc;
   * undefined when it has not started yet or already exited.
   */
  commandPid(): number | undefined;
  /** Send a signal to the wrapped command only (not to `timeout`). Returns false if there was no command to signal. */
  signalCommand(signal: NodeJS.Signals): boolean;
  /**
   * SIGTERM to `timeout` (which forwards it to the command and its group), wait
   * up to `graceMs` (default 5000), then SIGKILL the whole process group; resolves
   * once the process has exited.
   */
  kill(graceMs?: number): Promise<void>;
}

export interface SpawnBoundedOptions {
  timeoutSec: number;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** `timeout -k`: seconds between the timeout signal and SIGKILL. Default 5. */
  killAfterSec?: number;
  /** Signal `timeout` sends when the time runs out (`timeout -s`). Default TERM. */
  timeoutSignal?: string;
  /** Keep at most this many characters of each stream (the tail). Default 2 MiB. */
  maxOutputChars?: number;
}

class TailBuffer {
  private parts: string[] = [];
  private size = 0;
  constructor(private readonly max: number) {}
  push(s: string): void {
    this.parts.push(s);
    this.size += s.length;
    if (this.size > this.max * 2) this.compact();
  }
  private compact(): void {
    let all = this.parts.join('');
    if (all.length > this.max) all = all.slice(all.length - this.max);
    this.parts = [all];
    this.size = all.length;
  }
  toString(): string {
    this.compact();
    return this.parts[0] ?? '';
  }
}

/**
 * The absolute path of `cmd`: itself when it holds a '/', else the first executable
 * of that name on PATH or in /usr/sbin, /sbin, /usr/local/sbin (kamailio lives in
 * /usr/sbin, which a user's PATH may lack). undefined when there is none.
 */
export function resolveCommand(cmd: string): string | undefined {
  const candidates = cmd.includes('/')
    ? [cmd]
    : (process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin')
        .split(delimiter)
        .filter((d) => d !== '')
        .concat(['/usr/sbin', '/sbin', '/usr/local/sbin'])
        .map((d) => join(d, cmd));
  for (const p of candidates) {
    try {
      accessSync(p, fsConstants.X_OK);
      return p;
    } catch {
      // next
    }
  }
  return undefined;
}

/** Is `cmd` an executable on PATH (or an executable path)? */
export function commandExists(cmd: string): boolean {
  return resolveCommand(cmd) !== undefined;
}

/**
 * Throw a clear error when a required tool is missing (interop tests must fail, not skip);
 * return its absolute path, which is what must be spawned (the search list is wider than PATH).
 */
export function requireCommand(cmd: string, installHint: string): string {
  const path = resolveCommand(cmd);
  if (path === undefined) {
    throw new Error(`required command '${cmd}' not found on PATH or in the sbin directories; install it (${installHint})`);
  }
  return path;
}

/** Run `timeout -k <killAfter> <timeoutSec> cmd ...args` and collect its output. */
export function spawnBounded(cmd: string, args: readonly string[], opts: SpawnBoundedOptions): BoundedProcess {
  const killAfter = opts.killAfterSec ?? 5;
  const max = opts.maxOutputChars ?? 2 * 1024 * 1024;
  const wrapperArgs = ['-k', `${killAfter}`];
  if (opts.timeoutSignal) wrapperArgs.push('-s', opts.timeoutSignal);
  wrapperArgs.push(`${opts.timeoutSec}`, cmd, ...args);

  // detached: `timeout` leads its own process group, so kill(-pid) reaches every descendant.
  const child = spawn('timeout', wrapperArgs, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const out = new TailBuffer(max);
  const err = new TailBuffer(max);
  child.stdout?.setEncoding('utf8').on('data', (d: string) => out.push(d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => err.push(d));

  let done = false;
  const exited = new Promise<BoundedResult>((resolve) => {
    let spawnError: Error | undefined;
    child.once('error', (e) => {
      spawnError = e;
      // 'close' may never come if spawn itself failed.
      if (child.pid === undefined) {
        done = true;
        resolve({ code: null, signal: null, stdout: out.toString(), stderr: err.toString(), timedOut: false, error: e });
      }
    });
    child.once('close', (code, signal) => {
      if (done) return;
      done = true;
      const res: BoundedResult = {
        code,
        signal,
        stdout: out.toString(),
        stderr: err.toString(),
        timedOut: code === 124 || code === 137,
      };
      if (spawnError) res.error = spawnError;
      resolve(res);
    });
  });

  const pid = child.pid ?? -1;

  const commandPid = (): number | undefined => {
    if (pid <= 0 || done) return undefined;
    try {
      const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
      const first = kids.split(/\s+/)[0];
      return first ? Number(first) : undefined;
    } catch {
      // Kernel without CONFIG_PROC_CHILDREN: scan /proc/*/stat for our child.
      for (const entry of readdirSync('/proc')) {
        if (!/^\d+$/.test(entry)) continue;
        try {
          const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
          // pid (comm) state ppid ... ; comm may contain spaces, so split after the last ')'.
          const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
          if (ppid === pid) return Number(entry);
        } catch {
          // raced with an exit
        }
      }
      return undefined;
    }
  };

  const signalGroup = (signal: NodeJS.Signals): void => {
    if (pid <= 0) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // already gone
    }
  };

  return {
    child,
    pid,
    exited,
    get done() {
      return done;
    },
    stdoutSoFar: () => out.toString(),
    stderrSoFar: () => err.toString(),
    commandPid,
    signalCommand(signal) {
      const cp = commandPid();
      if (cp === undefined) return false;
      try {
        process.kill(cp, signal);
        return true;
      } catch {
        return false;
      }
    },
    async kill(graceMs = 5000) {
      if (done || pid <= 0) {
        await exited;
        return;
      }
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // gone
      }
      const timer = new Promise<'timeout'>((r) => {
        const t = setTimeout(() => r('timeout'), graceMs);
        t.unref();
      });
      if ((await Promise.race([exited.then(() => 'exited' as const), timer])) === 'timeout') {
        signalGroup('SIGKILL');
        await exited;
      }
    },
  };
}

/** The dgram socket type for a host: udp6 for an IPv6 literal (::1), else udp4. */
const udpType = (host: string) => (isIPv6(host) ? 'udp6' : 'udp4');

/** A free UDP port on 127.0.0.1, or on `host` (e.g. ::1) (bind port 0, read it, close). */
export function freeUdpPort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createSocket(udpType(host));
    s.once('error', reject);
    s.bind(0, host, () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** A free TCP port on 127.0.0.1, or on `host` (listen on port 0, read it, close). */
export function freeTcpPort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function canBindUdp(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createSocket(udpType(host));
    s.once('error', () => {
      s.close();
      resolve(false);
    });
    s.bind(port, host, () => s.close(() => resolve(true)));
  });
}

function canListenTcp(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, host, () => srv.close(() => resolve(true)));
  });
}

/** A port free for both UDP and TCP on 127.0.0.1 or `host` (::1 too) (for peers that listen on both, like Kamailio). */
export async function freeUdpTcpPort(host = '127.0.0.1'): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = await freeTcpPort(host);
    if (await canBindUdp(port, host)) return port;
  }
  throw new Error('could not find a port free for both UDP and TCP');
}

/** Is something bound to this port? (probe by trying to bind it ourselves) */
export async function isPortBound(proto: 'udp' | 'tcp', port: number, host = '127.0.0.1'): Promise<boolean> {
  return !(proto === 'udp' ? await canBindUdp(port, host) : await canListenTcp(port, host));
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Wait until `proc` (if given) has not exited and `probe` succeeds; poll every `intervalMs`.
 * Rejects on timeout or when the process exits first (with its stderr tail in the message).
 */
async function pollUntil(
  what: string,
  probe: () => Promise<boolean>,
  timeoutMs: number,
  proc?: BoundedProcess,
  intervalMs = 100,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc?.done) {
      const r = await proc.exited;
      throw new Error(`${what}: process exited first (code ${r.code}, signal ${r.signal})\n${tailLines(r.stderr || r.stdout, 40)}`);
    }
    if (await probe()) return;
    if (Date.now() >= deadline) throw new Error(`${what}: not ready after ${timeoutMs} ms`);
    await sleep(intervalMs);
  }
}

export function tailLines(s: string, n: number): string {
  const lines = s.split('\n');
  return lines.slice(Math.max(0, lines.length - n)).join('\n');
}

/** Wait until a TCP connect to host:port succeeds. */
export function waitForPort(host: string, port: number, timeoutMs: number, proc?: BoundedProcess): Promise<void> {
  const probe = (): Promise<boolean> =>
    new Promise((resolve) => {
      const sock = createConnection({ host, port });
      const t = setTimeout(() => {
        sock.destroy();
        resolve(false);
      }, 500);
      sock.once('connect', () => {
        clearTimeout(t);
        sock.end();
        resolve(true);
      });
      sock.once('error', () => {
        clearTimeout(t);
        resolve(false);
      });
    });
  return pollUntil(`TCP ${host}:${port}`, probe, timeoutMs, proc);
}

/** Wait until something has bound host:port (UDP or TCP), without sending it anything. */
export function waitForPortBound(
  proto: 'udp' | 'tcp',
  host: string,
  port: number,
  timeoutMs: number,
  proc?: BoundedProcess,
): Promise<void> {
  return pollUntil(`${proto} ${host}:${port} bound`, () => isPortBound(proto, port, host), timeoutMs, proc);
}

/**
 * Send a SIP OPTIONS over UDP to host:port every 200 ms until any SIP response
 * arrives; resolves with its status code. Rejects after timeoutMs, or when
 * `proc` exits first.
 */
export function waitForUdpSipOptions(
  host: string,
  port: number,
  timeoutMs: number,
  proc?: BoundedProcess,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const sock = createSocket(udpType(host));
    let finished = false;
    let timer: NodeJS.Timeout | undefined;
    let seq = 0;
    const deadline = Date.now() + timeoutMs;
    const callId = `callcert-probe-${process.pid}-${Date.now()}`;
    const finish = (err: Error | null, status = 0): void => {
      if (finished) return;
      finished = true;
      if (timer) clearInterval(timer);
      sock.close();
      if (err) reject(err);
      else resolve(status);
    };
    sock.on('error', (e) => finish(e));
    sock.on('message', (buf) => {
      const m = /^SIP\/2\.0 (\d{3})/.exec(buf.toString('latin1', 0, Math.min(buf.length, 64)));
      if (m) finish(null, Number(m[1]));
    });
    sock.bind(0, isIPv6(host) ? '::1' : '127.0.0.1', () => {
      const local = sock.address();
      const hp = (h: string, p: number) => `${isIPv6(h) ? `[${h}]` : h}:${p}`;
      const send = (): void => {
        if (finished) return;
        if (proc?.done) {
          void proc.exited.then((r) =>
            finish(
              new Error(
                `OPTIONS ${host}:${port}: process exited first (code ${r.code}, signal ${r.signal})\n${tailLines(r.stderr || r.stdout, 40)}`,
              ),
            ),
          );
          return;
        }
        if (Date.now() >= deadline) {
          finish(new Error(`OPTIONS ${host}:${port}: no SIP response within ${timeoutMs} ms`));
          return;
        }
        seq++;
        const msg =
          `OPTIONS sip:${hp(host, port)} SIP/2.0\r\n` +
          `Via: SIP/2.0/UDP ${hp(local.address, local.port)};branch=z9hG4bK-probe-${seq}-${Date.now()};rport\r\n` +
          `Max-Forwards: 70\r\n` +
          `From: <sip:probe@${hp(local.address, local.port)}>;tag=probe${process.pid}\r\n` +
          `To: <sip:${hp(host, port)}>\r\n` +
          `Call-ID: ${callId}\r\n` +
          `CSeq: ${seq} OPTIONS\r\n` +
          `Content-Length: 0\r\n\r\n`;
        sock.send(msg, port, host);
      };
      send();
      timer = setInterval(send, 200);
    });
  });
}
