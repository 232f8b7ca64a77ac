/** The environment section's generator-host rows (report/host-rows.ts) in each language, and "not recorded" for an old file. */
import { describe, expect, it } from 'vitest';
import { hostEnvRows } from '../../src/report/host-rows.js';
import { cellOf, type Text } from '../../src/report/blocks.js';
import { tr, type ReportLang } from '../../src/report/i18n.js';
import type { Results } from '../../src/results/schema.js';

const flat = (t: Text, lang: ReportLang): string => (typeof t === 'string' ? t : Array.isArray(t) ? t.map((x) => flat(x, lang)).join('') : tr(lang, t));
const rows = (h: Results['generator']['host'], lang: ReportLang) => hostEnvRows(h).map((r) => r.map((c) => flat(cellOf(c).text, lang)));

const base = { cpus: 2, cpuModel: 'x', totalMemBytes: 1, platform: 'Linux', node: 'v20' };

describe('generator host rows', () => {
  it('prints vCPUs, VM, container and the clock state with source and offset, in both languages', () => {
    const h = {
      ...base, vcpus: 2,
      virtualization: { vm: 'kvm', container: 'docker', via: ['systemd-detect-virt --vm', '/.dockerenv'] },
      clock: { state: 'synchronized' as const, source: 'ntp.aliyun.com', offsetMs: -0.41235, via: 'chronyc tracking' },
    };
    expect(rows(h, 'bilingual')).toEqual([
      ['可用 vCPU 数 / vCPUs available', '2'],
      ['虚拟机 / Virtual machine', '是 / yes (kvm)'],
      ['容器 / Container', '是 / yes (docker)'],
      ['虚拟化探测依据 / Detected by', 'systemd-detect-virt --vm; /.dockerenv'],
      ['时钟同步（NTP） / Clock sync (NTP)', '已同步 / synchronised; 时间源 / source ntp.aliyun.com; 偏差 / offset -0.4 ms (chronyc tracking)'],
    ]);
    expect(rows(h, 'zh')[4][1]).toBe('已同步; 时间源 ntp.aliyun.com; 偏差 -0.4 ms (chronyc tracking)');
    expect(rows(h, 'en')[1][1]).toBe('yes (kvm)');
  });

  it('says unknown and not recorded rather than a clean bill', () => {
    const undetected = { ...base, vcpus: 2, virtualization: { vm: 'unknown', container: 'none', via: [] }, clock: { state: 'not recorded' as const, source: null, offsetMs: null, via: null } };
    expect(rows(undetected, 'en').map((r) => r[1])).toEqual(['2', 'unknown', 'no', 'no probe answered', 'not recorded (neither chronyc nor timedatectl answered)']);
    // A file migrated from schema 2 recorded none of it.
    expect(rows({ ...base, vcpus: null, virtualization: null, clock: null }, 'zh').map((r) => r[1])).toEqual(['未记录', '未记录', '未记录', '未记录', '未记录']);
  });
});
