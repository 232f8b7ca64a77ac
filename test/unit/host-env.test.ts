/**
 * The generator host's VM/container and clock probes (results/host-env.ts):
 * the parsers on real command output, the fallbacks when a probe is absent,
 * and the probes on this machine giving only values their names allow.
 */
import { describe, expect, it } from 'vitest';
import {
  containerFromCgroup, detectClock, detectVirtualization, parseChronyTracking, parseTimedatectl, type Probes, type Run,
} from '../../src/results/host-env.js';

// chronyc tracking as chrony 4.3 prints it on Debian 12.
const CHRONY = `Reference ID    : A29FC87B (time.cloudflare.com)
Stratum         : 4
Ref time (UTC)  : Sat Dec 05 13:40:12 2026
System time     : 0.000412350 seconds slow of NTP time
Last offset     : -0.000120811 seconds
RMS offset      : 0.000233040 seconds
Frequency       : 12.407 ppm fast
Residual freq   : -0.004 ppm
Skew            : 0.051 ppm
Root delay      : 0.019477 seconds
Root dispersion : 0.000744 seconds
Update interval : 1036.4 seconds
Leap status     : Normal
`;

const noProbes: Probes = { run: () => null, read: () => null, exists: () => false };

describe('host environment probes', () => {
  it('reads chrony tracking: source, signed offset in ms, synchronised', () => {
    const c = parseChronyTracking(CHRONY);
    expect(c).toMatchObject({ state: 'synchronized', source: 'time.cloudflare.com', via: 'chronyc tracking' });
    expect(c?.offsetMs).toBeCloseTo(-0.41235, 6);
    const unsynced = CHRONY.replace('A29FC87B (time.cloudflare.com)', '00000000 ()').replace('Leap status     : Normal', 'Leap status     : Not synchronised');
    expect(parseChronyTracking(unsynced)?.state).toBe('unsynchronized');
    expect(parseChronyTracking('506 Cannot talk to daemon')).toBeNull();
  });

  it('reads timedatectl show and the timesync server, with no offset', () => {
    const c = parseTimedatectl('Timezone=Asia/Shanghai\nNTP=yes\nNTPSynchronized=yes\n', 'ServerName=ntp.aliyun.com\nServerAddress=203.107.6.88\n');
    expect(c).toEqual({ state: 'synchronized', source: 'ntp.aliyun.com', offsetMs: null, via: 'timedatectl show' });
    expect(parseTimedatectl('NTPSynchronized=no\n', null)).toEqual({ state: 'unsynchronized', source: null, offsetMs: null, via: 'timedatectl show' });
  });

  it('says "not recorded" when neither chronyc nor timedatectl answers', () => {
    const failing: Run = (cmd) => (cmd === 'timedatectl' ? { code: 1, stdout: '' } : null);
    expect(detectClock(failing)).toEqual({ state: 'not recorded', source: null, offsetMs: null, via: null });
  });

  it('names a container from /proc/1/cgroup and says "unknown" when nothing settles it', () => {
    expect(containerFromCgroup('0::/system.slice/docker-3f2a.scope\n')).toBe('docker');
    expect(containerFromCgroup('12:pids:/kubepods/besteffort/pod1\n')).toBe('kubepods');
    expect(containerFromCgroup('0::/\n')).toBeNull();
    expect(detectVirtualization(noProbes)).toEqual({ vm: 'unknown', container: 'unknown', via: [] });
  });

  it('falls back to DMI, the CPU flag and /.dockerenv without systemd-detect-virt', () => {
    const dmi: Probes = { ...noProbes, read: (p) => (p.endsWith('product_name') ? 'KVM\n' : null), exists: (p) => p === '/.dockerenv' };
    expect(detectVirtualization(dmi)).toEqual({ vm: 'kvm', container: 'docker', via: ['/sys/class/dmi/id/product_name "KVM"', '/.dockerenv'] });
    const flag: Probes = { ...noProbes, read: (p) => (p === '/proc/cpuinfo' ? 'flags\t\t: fpu vme hypervisor lahf_lm\n' : null) };
    expect(detectVirtualization(flag).vm).toBe('hypervisor');
  });

  it('takes systemd-detect-virt\'s answer, "none" (exit 1) included', () => {
    const sd: Run = (_c, args) => (args[0] === '--vm' ? { code: 0, stdout: 'kvm\n' } : { code: 1, stdout: 'none\n' });
    expect(detectVirtualization({ ...noProbes, run: sd })).toEqual({ vm: 'kvm', container: 'none', via: ['systemd-detect-virt --vm', 'systemd-detect-virt --container'] });
  });

  it('on this machine gives only the values the schema names', () => {
    const v = detectVirtualization();
    expect(v.vm).toMatch(/^[a-z0-9-]+$/);
    expect(v.container).toMatch(/^[a-z0-9-]+$/);
    expect(['synchronized', 'unsynchronized', 'not recorded']).toContain(detectClock().state);
  });
});
