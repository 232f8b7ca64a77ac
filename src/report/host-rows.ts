/**
 * The environment section's rows for what the generator host is (vCPUs,
 * VM/container, clock synchronisation), as results.json recorded them: a
 * value the run could not detect prints as such, never as a clean bill.
 */
import type { Cell, Text } from './blocks.js';
import { fmtMs } from './format.js';
import { bi, H } from './i18n.js';
import type { Results } from '../results/schema.js';

type Host = Results['generator']['host'];

function kind(v: string): Text {
  if (v === 'none') return H.no;
  if (v === 'unknown') return H.unknown;
  if (v === 'hypervisor') return H.hypervisorFlag;
  return [H.yes, ` (${v})`];
}

function clock(c: NonNullable<Host['clock']>): Text {
  if (c.state === 'not recorded') return H.clockNotRecorded;
  return [
    c.state === 'synchronized' ? H.synced : H.unsynced,
    '; ', c.source === null ? [H.source, ' —'] : [H.source, ` ${c.source}`],
    '; ', c.offsetMs === null ? [H.offset, ' —'] : [H.offset, ` ${fmtMs(c.offsetMs)} ms`],
    ` (${c.via ?? ''})`,
  ];
}

export function hostEnvRows(h: Host): Cell[][] {
  const v = h.virtualization;
  return [
    [H.vcpus, h.vcpus === null ? H.notRecorded : String(h.vcpus)],
    [H.vm, v === null ? H.notRecorded : kind(v.vm)],
    [H.container, v === null ? H.notRecorded : kind(v.container)],
    [H.detectedBy, v === null ? H.notRecorded : { text: v.via.length ? v.via.join('; ') : bi('无探测结果', 'no probe answered'), small: true }],
    [H.clock, h.clock === null ? H.notRecorded : clock(h.clock)],
  ];
}
