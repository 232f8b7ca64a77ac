/**
 * Bounded child processes with CPU accounting, for bench/run.mjs.
 *
 * Every command runs as `timeout -k 5 N bash bench/lib/rusage.sh OUT cmd ...`:
 *   - `timeout` bounds it (its own process group, so one kill reaches all);
 *   - rusage.sh reaps the command and writes its wait4() user/system CPU to OUT
 *     and the command's real pid to OUT.pid (so /proc can be sampled for memory
 *     and CPU while it runs).
 * Node's child_process gives no rusage of its own; this is the portable way.
 */
import { spawn, execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const RUSAGE_SH = fileURLToPath(new URL('./rusage.sh', import.meta.url));

let clkTck = 100;
try {
  clkTck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
} catch {
  // 100 on every Linux this runs on
}

const live = new Set();

/** Kill every process group still running (Ctrl-C, crash). */
export function killAll(signal = 'SIGKILL') {
  for (const p of live) {
    try {
      process.kill(-p.pid, signal);
    } catch {
      // gone
    }
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** /proc/PID/stat utime+stime in ms, or null if the process is gone. */
export function procCpuMs(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = s.slice(s.lastIndexOf(')') + 2).split(' ');
    // rest[0] is field 3 (state); utime is field 14, stime field 15.
    return ((Number(rest[11]) + Number(rest[12])) * 1000) / clkTck;
  } catch {
    return null;
  }
}

/** voluntary + involuntary context switches of PID (all its threads' main), or null. */
export function procCtxSwitches(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    const v = /^voluntary_ctxt_switches:\s+(\d+)/m.exec(s);
    const n = /^nonvoluntary_ctxt_switches:\s+(\d+)/m.exec(s);
    return v && n ? { voluntary: Number(v[1]), involuntary: Number(n[1]) } : null;
  } catch {
    return null;
  }
}

/** VmRSS and VmHWM from /proc/PID/status, bytes; null if the process is gone. */
export function procMem(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k) => {
      const m = new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(s);
      return m ? Number(m[1]) * 1024 : null;
    };
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  } catch {
    return null;
  }
}

/**
 * Start `cmd args` bounded by timeoutSec and measured by rusage.sh.
 *
 * opts: { timeoutSec, cwd, env, rusageFile, sampleMs, stdout: 'ignore'|'pipe' }
 * Returns { wrapperPid, pid(): Promise<number|null>, signal(sig), kill(graceMs), done }
 * where done resolves to { code, timedOut, userMs, sysMs, cpuMs, wallMs, stderr,
 * stdout, pid, mem: { samples: [[tMs, rss]], maxRss, hwm } }.
 */
export function startMeasured(cmd, args, opts) {
  const { timeoutSec, cwd, env, rusageFile, sampleMs = 500 } = opts;
  rmSync(rusageFile, { force: true });
  rmSync(`${rusageFile}.pid`, { force: true });
  const started = performance.now();
  const child = spawn('timeout', ['-k', '5', String(Math.ceil(timeoutSec)), 'bash', RUSAGE_SH, rusageFile, cmd, ...args], {
    cwd,
    env: env ?? process.env,
    stdio: ['ignore', opts.stdout === 'pipe' ? 'pipe' : 'ignore', 'pipe'],
    detached: true,
  });
  const rec = { pid: child.pid };
  live.add(rec);
  let stderr = '';
  let stdout = '';
  const cap = (s, d) => (s.length > 200_000 ? s.slice(-100_000) : s) + d;
  child.stderr.setEncoding('utf8').on('data', (d) => (stderr = cap(stderr, d)));
  child.stdout?.setEncoding('utf8').on('data', (d) => (stdout = cap(stdout, d)));

  let realPid = null;
  const readPid = () => {
    if (realPid !== null) return realPid;
    try {
      const v = Number(readFileSync(`${rusageFile}.pid`, 'utf8').trim());
      if (v > 0) realPid = v;
    } catch {
      // not yet
    }
    return realPid;
  };

  const mem = { samples: [], maxRss: 0, hwm: 0 };
  let exited = false;
  const sampler = setInterval(() => {
    const p = readPid();
    if (p === null || exited) return;
    const m = procMem(p);
    if (m === null || m.rss === null) return;
    mem.samples.push([Math.round(performance.now() - started), m.rss]);
    if (m.rss > mem.maxRss) mem.maxRss = m.rss;
    if (m.hwm !== null && m.hwm > mem.hwm) mem.hwm = m.hwm;
  }, sampleMs);

  const done = new Promise((resolve) => {
    child.once('error', (e) => {
      stderr += `\nspawn error: ${e.message}`;
    });
    child.once('close', (code, signal) => {
      exited = true;
      clearInterval(sampler);
      live.delete(rec);
      const wallMs = performance.now() - started;
      let userMs = null;
      let sysMs = null;
      let innerCode = null;
      if (existsSync(rusageFile)) {
        const [c, u, s] = readFileSync(rusageFile, 'utf8').trim().split(/\s+/).map(Number);
        innerCode = c;
        userMs = u * 1000;
        sysMs = s * 1000;
      }
      resolve({
        code: code ?? (signal ? 128 : null),
        innerCode,
        timedOut: code === 124 || code === 137,
        userMs,
        sysMs,
        cpuMs: userMs === null ? null : userMs + sysMs,
        wallMs,
        stderr,
        stdout,
        pid: readPid(),
        mem,
      });
    });
  });

  return {
    wrapperPid: child.pid,
    /** The command's own pid (child of rusage.sh), once it has started. */
    async pid(waitMs = 5000) {
      const until = performance.now() + waitMs;
      while (readPid() === null && !exited && performance.now() < until) await sleep(20);
      return readPid();
    },
    /** Signal the command through rusage.sh (which forwards TERM/INT/USR1/USR2). */
    signal(sig) {
      const p = readPid();
      try {
        if (p !== null) process.kill(p, sig);
        else process.kill(-child.pid, sig);
        return true;
      } catch {
        return false;
      }
    },
    /** SIGTERM the whole group, SIGKILL after graceMs. */
    async kill(graceMs = 5000) {
      if (exited) return done;
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // gone
      }
      const t = await Promise.race([done.then(() => 'done'), sleep(graceMs).then(() => 'late')]);
      if (t === 'late') {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
      return done;
    },
    get exited() {
      return exited;
    },
    done,
  };
}

/** A UDP port that was free a moment ago on 127.0.0.1. */
export function freeUdpPort() {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** true when something already holds udp 127.0.0.1:port (probed by trying to bind it). */
export function udpPortBound(port) {
  return new Promise((resolve) => {
    const s = createSocket({ type: 'udp4', reuseAddr: false });
    s.once('error', (e) => {
      resolve(e.code === 'EADDRINUSE');
    });
    s.bind(port, '127.0.0.1', () => s.close(() => resolve(false)));
  });
}

/** Wait until a process binds udp 127.0.0.1:port; throws on timeout or if `proc` exited. */
export async function waitForUdpBound(port, proc, timeoutMs = 5000) {
  const until = performance.now() + timeoutMs;
  while (performance.now() < until) {
    if (proc.exited) throw new Error(`process exited before binding udp/${port}`);
    if (await udpPortBound(port)) return;
    await sleep(50);
  }
  throw new Error(`nothing bound udp 127.0.0.1:${port} within ${timeoutMs} ms`);
}

export { sleep };
