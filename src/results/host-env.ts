/**
 * What the generator host is, beyond os.*: whether it is a VM or a container
 * and whether its clock was synchronised, so the report states the environment
 * a reviewer asks about (vCPUs in a VM, NTP source and offset). Best effort:
 * each fact comes from a named probe, and a fact no probe settles is "unknown"
 * (virtualisation) or "not recorded" (clock), never inferred.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

export interface Virtualization {
  /** systemd-detect-virt's name ("kvm", "vmware", …), "none", "hypervisor" (CPU flag only) or "unknown". */
  vm: string;
  /** "docker", "podman", "lxc", … , "none" or "unknown". */
  container: string;
  /** The probes that gave the answer, e.g. "systemd-detect-virt --vm". */
  via: string[];
}

export interface ClockSync {
  /** Whether the system clock was synchronised; "not recorded" when no probe answered. */
  state: 'synchronized' | 'unsynchronized' | 'not recorded';
  /** The time source (chrony's reference, timesyncd's server); null: not reported. */
  source: string | null;
  /** Local clock minus the source's time, ms (positive: fast); null: not reported. */
  offsetMs: number | null;
  /** The probe that answered ("chronyc tracking", "timedatectl show"); null: none. */
  via: string | null;
}

/** Runs a probe command; null when it is absent, fails to start or times out. */
export type Run = (cmd: string, args: string[]) => { code: number; stdout: string } | null;

const PROBE_TIMEOUT_MS = 1500;

export const runCommand: Run = (cmd, args) => {
  try {
    return { code: 0, stdout: execFileSync(cmd, args, { timeout: PROBE_TIMEOUT_MS, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }) };
  } catch (e) {
    const err = e as { status?: number | null; stdout?: string; code?: string };
    // A non-zero exit still answers (systemd-detect-virt prints "none" and exits 1); a missing binary or timeout does not.
    if (typeof err.status === 'number') return { code: err.status, stdout: err.stdout ?? '' };
    return null;
  }
};

const readText = (p: string): string | null => {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return null;
  }
};

/** The container runtime named by a /proc/1/cgroup line, or null. */
export function containerFromCgroup(text: string): string | null {
  for (const name of ['docker', 'kubepods', 'containerd', 'lxc', 'libpod', 'podman']) {
    if (new RegExp(`[/-]${name}\\b`).test(text)) return name === 'libpod' ? 'podman' : name;
  }
  return null;
}

/** DMI product names that only hypervisors report. */
const DMI_VM: Array<[RegExp, string]> = [
  [/^KVM\b/i, 'kvm'], [/^VMware/i, 'vmware'], [/^VirtualBox/i, 'oracle'], [/^Virtual Machine$/i, 'microsoft'],
  [/^HVM domU/i, 'xen'], [/^Google Compute Engine/i, 'google'], [/^Standard PC \(/i, 'qemu'], [/^OpenStack/i, 'openstack'],
];

export interface Probes {
  run: Run;
  read: (path: string) => string | null;
  exists: (path: string) => boolean;
}

const realProbes: Probes = { run: runCommand, read: readText, exists: existsSync };

export function detectVirtualization(p: Probes = realProbes): Virtualization {
  const via: string[] = [];
  let vm = 'unknown';
  let container = 'unknown';
  const sdVm = p.run('systemd-detect-virt', ['--vm']);
  if (sdVm && sdVm.stdout.trim()) {
    vm = sdVm.stdout.trim();
    via.push('systemd-detect-virt --vm');
  } else {
    const product = p.read('/sys/class/dmi/id/product_name')?.trim() ?? '';
    const hit = DMI_VM.find(([re]) => re.test(product));
    if (hit) {
      vm = hit[1];
      via.push(`/sys/class/dmi/id/product_name "${product}"`);
    } else if (/^flags\s*:.*\bhypervisor\b/m.test(p.read('/proc/cpuinfo') ?? '')) {
      vm = 'hypervisor';
      via.push('/proc/cpuinfo hypervisor flag');
    }
  }
  const sdCt = p.run('systemd-detect-virt', ['--container']);
  if (sdCt && sdCt.stdout.trim()) {
    container = sdCt.stdout.trim();
    via.push('systemd-detect-virt --container');
  } else if (p.exists('/.dockerenv')) {
    container = 'docker';
    via.push('/.dockerenv');
  } else if (p.exists('/run/.containerenv')) {
    container = 'podman';
    via.push('/run/.containerenv');
  } else {
    const fromCgroup = containerFromCgroup(p.read('/proc/1/cgroup') ?? '');
    if (fromCgroup) {
      container = fromCgroup;
      via.push('/proc/1/cgroup');
    }
  }
  return { vm, container, via };
}

/** Parses `chronyc tracking`; null when it is not chrony's tracking report. */
export function parseChronyTracking(text: string): ClockSync | null {
  const field = (k: string) => new RegExp(`^${k}\\s*:\\s*(.*)$`, 'm').exec(text)?.[1]?.trim() ?? null;
  const ref = field('Reference ID');
  const sys = field('System time');
  if (ref === null || sys === null) return null;
  const m = /^([\d.]+) seconds (fast|slow) of NTP time/.exec(sys);
  const offsetMs = m ? (m[2] === 'fast' ? 1 : -1) * Number(m[1]) * 1000 : null;
  const leap = field('Leap status');
  // Reference ID 00000000 (or 7F7F0101, the local clock) means chrony has no source.
  const synced = leap !== null && leap !== 'Not synchronised' && !/^(0{8}|7F7F0101)\b/i.test(ref);
  const name = /\(([^)]+)\)/.exec(ref)?.[1] ?? null;
  return { state: synced ? 'synchronized' : 'unsynchronized', source: name, offsetMs, via: 'chronyc tracking' };
}

/** Parses `timedatectl show` (key=value); null when NTPSynchronized is absent. */
export function parseTimedatectl(show: string, timesync: string | null): ClockSync | null {
  const kv = (text: string, k: string) => new RegExp(`^${k}=(.*)$`, 'm').exec(text)?.[1]?.trim() ?? null;
  const synced = kv(show, 'NTPSynchronized');
  if (synced === null) return null;
  const server = timesync === null ? null : kv(timesync, 'ServerName') || null;
  return { state: synced === 'yes' ? 'synchronized' : 'unsynchronized', source: server, offsetMs: null, via: 'timedatectl show' };
}

export const CLOCK_NOT_RECORDED: ClockSync = { state: 'not recorded', source: null, offsetMs: null, via: null };

/** chrony first (it reports the offset), then systemd's view; else not recorded. */
export function detectClock(run: Run = runCommand): ClockSync {
  const chrony = run('chronyc', ['tracking']);
  const fromChrony = chrony && chrony.code === 0 ? parseChronyTracking(chrony.stdout) : null;
  if (fromChrony) return fromChrony;
  const show = run('timedatectl', ['show']);
  if (show && show.code === 0) {
    const ts = run('timedatectl', ['show-timesync']);
    const fromTd = parseTimedatectl(show.stdout, ts && ts.code === 0 ? ts.stdout : null);
    if (fromTd) return fromTd;
  }
  return CLOCK_NOT_RECORDED;
}

let virtCache: Virtualization | null = null;

/** The host's virtualisation does not change during a process: probed once. */
export function hostVirtualization(): Virtualization {
  virtCache ??= detectVirtualization();
  return virtCache;
}

let clockCache: ClockSync | null = null;

/**
 * The clock state at the first results build (the run's start), then kept: results are rebuilt for
 * every live snapshot, and a synchronous probe of up to 1.5 s on the main thread would stall the run.
 */
export function hostClock(): ClockSync {
  clockCache ??= detectClock();
  return clockCache;
}
