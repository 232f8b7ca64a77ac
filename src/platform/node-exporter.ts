/**
 * What a node_exporter scrape says about a server, and the sample two consecutive scrapes
 * give (docs/platform.md):
 *
 * - CPU %: node_cpu_seconds_total{cpu,mode} summed over all CPUs; between two scrapes
 *   cpuPct = 100 × (1 − Δidle ÷ Δtotal), Δtotal over every mode (iowait and steal count as
 *   not idle, as in `1 - rate(node_cpu_seconds_total{mode="idle"})`). Needs two scrapes, so the
 *   first sample has none; a counter that went back (a reboot) gives none.
 * - memory: used = node_memory_MemTotal_bytes − node_memory_MemAvailable_bytes (what
 *   the kernel could not hand to a new program without swapping), used % = used ÷ total × 100;
 *   from one scrape.
 * - network: node_network_receive_bytes_total / transmit_bytes_total summed over the devices
 *   not excluded (lo by default), Δbytes ÷ Δt between the two scrapes' start times, bytes/s.
 *
 * A scrape of another exporter has none of these: its sample is all nulls and its metrics stay
 * in the raw file.
 */
import type { ExpositionSample } from './exposition.js';

/** The node_exporter counters and gauges of one scrape; a part is null when the scrape has none of its metrics. */
export interface NodeCounters {
  cpu: { totalSeconds: number; idleSeconds: number; cpus: number } | null;
  mem: { totalBytes: number; availableBytes: number } | null;
  net: { rxBytes: number; txBytes: number; devices: number } | null;
}

export function nodeCounters(samples: readonly ExpositionSample[], excludeDevices: readonly string[]): NodeCounters {
  let total = 0;
  let idle = 0;
  const cpus = new Set<string>();
  let memTotal: number | null = null;
  let memAvailable: number | null = null;
  let rx = 0;
  let tx = 0;
  const devices = new Set<string>();
  const excluded = new Set(excludeDevices);
  for (const s of samples) {
    if (!Number.isFinite(s.value)) continue;
    switch (s.name) {
      case 'node_cpu_seconds_total':
        total += s.value;
        if (s.labels.mode === 'idle') idle += s.value;
        cpus.add(s.labels.cpu ?? '');
        break;
      case 'node_memory_MemTotal_bytes': memTotal = s.value; break;
      case 'node_memory_MemAvailable_bytes': memAvailable = s.value; break;
      case 'node_network_receive_bytes_total':
      case 'node_network_transmit_bytes_total': {
        const dev = s.labels.device ?? '';
        if (excluded.has(dev)) break;
        devices.add(dev);
        if (s.name === 'node_network_receive_bytes_total') rx += s.value;
        else tx += s.value;
        break;
      }
      default:
    }
  }
  return {
    cpu: cpus.size === 0 ? null : { totalSeconds: total, idleSeconds: idle, cpus: cpus.size },
    mem: memTotal === null || memAvailable === null || memTotal <= 0 ? null : { totalBytes: memTotal, availableBytes: memAvailable },
    net: devices.size === 0 ? null : { rxBytes: rx, txBytes: tx, devices: devices.size },
  };
}

/** One point of a server's series (results.json platform.instances[].samples). */
export interface PlatformSample {
  /** ms after the run's start: when the scrape was sent. */
  tMs: number;
  cpuPct: number | null;
  memUsedPct: number | null;
  memUsedBytes: number | null;
  netRxBytesPerSec: number | null;
  netTxBytesPerSec: number | null;
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;

/** The sample of scrape `cur` sent at `tMs`, with the scrape before it (`prev`, sent at `prevTMs`) for the rates. */
export function nodeSample(tMs: number, cur: NodeCounters, prev: { tMs: number; counters: NodeCounters } | null): PlatformSample {
  const dtS = prev === null ? 0 : (tMs - prev.tMs) / 1000;
  let cpuPct: number | null = null;
  const pc = prev?.counters.cpu ?? null;
  if (pc !== null && cur.cpu !== null && cur.cpu.cpus === pc.cpus) {
    const dTotal = cur.cpu.totalSeconds - pc.totalSeconds;
    const dIdle = cur.cpu.idleSeconds - pc.idleSeconds;
    if (dTotal > 0 && dIdle >= 0 && dIdle <= dTotal) cpuPct = r3(100 * (1 - dIdle / dTotal));
  }
  const rate = (a: number | undefined, b: number | undefined) =>
    a === undefined || b === undefined || dtS <= 0 || b < a ? null : r3((b - a) / dtS);
  const mem = cur.mem;
  const used = mem === null ? null : Math.max(0, mem.totalBytes - mem.availableBytes);
  return {
    tMs,
    cpuPct,
    memUsedPct: mem === null || used === null ? null : r3((used / mem.totalBytes) * 100),
    memUsedBytes: used,
    netRxBytesPerSec: rate(prev?.counters.net?.rxBytes, cur.net?.rxBytes),
    netTxBytesPerSec: rate(prev?.counters.net?.txBytes, cur.net?.txBytes),
  };
}
