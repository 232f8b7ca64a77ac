/**
 * Run the Kamailio 5.6 fixture (test/fixtures/kamailio/kamailio.cfg) as an
 * authenticating, record-routing proxy/registrar in front of a UAS.
 *
 * startKamailio() writes a copy of the cfg template with the ports filled in,
 * plus the dispatcher list, into a temp dir; runs
 *   timeout -k 5 N kamailio -f <dir>/kamailio.cfg -DD -E -m 256 -M 16 \
 *     -L <modules dir> -Y <dir> -a no -w <dir>
 * in the foreground (-DD: no fork into background, -E: log to stderr), and waits
 * until it answers an OPTIONS on UDP. Listens on 127.0.0.1:port for UDP and TCP.
 *
 * Credentials: KAMAILIO_CREDENTIALS (callcert / secret, realm callcert.test).
 * INVITE -> 407 challenge, REGISTER -> 401 challenge; both MD5, qop=auth.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freeUdpPort, freeUdpTcpPort, requireCommand, spawnBounded, waitForUdpSipOptions, type BoundedProcess } from './procs.js';
import { sippFixture, startSippUas, type SippUasHandle } from './sipp.js';

export const KAMAILIO_CFG_TEMPLATE = resolve(fileURLToPath(new URL('../fixtures/kamailio/kamailio.cfg', import.meta.url)));

export const KAMAILIO_CREDENTIALS = { username: 'callcert', password: 'secret', realm: 'callcert.test' } as const;

/**
 * The stock-auth fixture (kamailio-stock-auth.cfg): `auth_check("$fd", "subscriber", "1")`
 * over a db_text subscriber table; pass `subscribers` (e.g. STOCK_AUTH_USERS) to startKamailio.
 */
export const KAMAILIO_STOCK_AUTH_CFG = resolve(fileURLToPath(new URL('../fixtures/kamailio/kamailio-stock-auth.cfg', import.meta.url)));

/** Users 1000–1099 with passwords pw1000–pw1099. */
export const STOCK_AUTH_USERS: ReadonlyArray<{ username: string; password: string }> = Array.from({ length: 100 }, (_, i) => ({
  username: String(1000 + i),
  password: `pw${1000 + i}`,
}));

/** db_text tables for auth_db: subscriber (plain-text passwords) and version. */
function writeSubscriberTables(dir: string, users: ReadonlyArray<{ username: string; password: string }>): void {
  mkdirSync(dir, { recursive: true });
  const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/:/g, '\\:');
  writeFileSync(
    join(dir, 'subscriber'),
    'id(int,auto) username(string) domain(string) password(string) ha1(string,null) ha1b(string,null) \n' +
      users.map((u, i) => `${i + 1}:${esc(u.username)}:127.0.0.1:${esc(u.password)}::\n`).join(''),
  );
  writeFileSync(join(dir, 'version'), 'id(int,auto) table_name(string) table_version(int) \n1:subscriber:7\n');
}

export interface KamailioOptions {
  /** Port for UDP and TCP on 127.0.0.1; a port free for both when omitted. */
  port?: number;
  /** UAS port(s) on 127.0.0.1: dispatcher set 1, round-robin. */
  uasPort: number | number[];
  /** Transport Kamailio uses towards the UAS. Clients may use either (it listens on both). Default udp. */
  transport?: 'udp' | 'tcp';
  /** Hard time budget for the process, seconds (default 120). */
  timeoutSec?: number;
  /** Directory for the cfg copy, dispatcher list and runtime files; fresh temp dir when omitted. */
  workDir?: string;
  /** The cfg template (default: kamailio.cfg; KAMAILIO_STOCK_AUTH_CFG needs `subscribers`). */
  cfgTemplate?: string;
  /** Users of a db_text subscriber table written into the work dir (its text:// URL fills __DB_URL__). */
  subscribers?: ReadonlyArray<{ username: string; password: string }>;
  /** More placeholders of the template and their values (e.g. { __RTPENGINE_NG__: 'udp:127.0.0.1:2223' }). */
  placeholders?: Record<string, string>;
}

export interface KamailioHandle {
  host: '127.0.0.1';
  port: number;
  workDir: string;
  cfgPath: string;
  proc: BoundedProcess;
  /** Kamailio's stderr so far (its log). */
  log(): string;
  /** SIGTERM, wait, SIGKILL if needed; resolves once it has exited. */
  stop(): Promise<void>;
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Kamailio's module directory: $KAMAILIO_MODULES_DIR, else the first of
 * /usr/lib/<any multiarch>/kamailio/modules, /usr/lib64/..., /usr/lib/..., /usr/local/lib*\/...
 * that contains tm.so.
 */
export function findKamailioModulesDir(): string {
  const env = process.env.KAMAILIO_MODULES_DIR;
  if (env) return env;
  const candidates: string[] = [];
  for (const root of ['/usr/lib', '/usr/local/lib']) {
    let entries: string[] = [];
    try {
      entries = readdirSync(root);
    } catch {
      continue;
    }
    for (const e of entries) candidates.push(join(root, e, 'kamailio', 'modules'));
    candidates.push(join(root, 'kamailio', 'modules'));
  }
  candidates.push('/usr/lib64/kamailio/modules', '/usr/local/lib64/kamailio/modules');
  for (const c of candidates) {
    if (isDir(c)) {
      try {
        statSync(join(c, 'tm.so'));
        return c;
      } catch {
        // not this one
      }
    }
  }
  throw new Error(`Kamailio modules dir not found (looked for */kamailio/modules/tm.so under /usr/lib, /usr/local/lib); set KAMAILIO_MODULES_DIR`);
}

/** Fill in the cfg template (`extra`: more placeholders, e.g. { __DB_URL__: 'text:///tmp/x/db' }). */
export function renderKamailioCfg(template: string, port: number, dispatcherListPath: string, extra: Record<string, string> = {}): string {
  let out = template.replaceAll('__SIP_PORT__', String(port)).replaceAll('__DISPATCHER_LIST__', dispatcherListPath);
  for (const [k, v] of Object.entries(extra)) out = out.replaceAll(k, v);
  if (out.includes('__')) {
    const left = /__[A-Z_]+__/.exec(out);
    if (left) throw new Error(`unsubstituted placeholder ${left[0]} in kamailio cfg`);
  }
  return out;
}

export async function startKamailio(opts: KamailioOptions): Promise<KamailioHandle> {
  const kamailio = requireCommand('kamailio', 'apt-get install kamailio');
  const modulesDir = findKamailioModulesDir();
  const port = opts.port ?? (await freeUdpTcpPort());
  const workDir = opts.workDir ?? mkdtempSync(join(tmpdir(), 'callcert-kamailio-'));
  const cfgPath = join(workDir, 'kamailio.cfg');
  const listPath = join(workDir, 'dispatcher.list');

  const uasPorts = Array.isArray(opts.uasPort) ? opts.uasPort : [opts.uasPort];
  const tp = opts.transport === 'tcp' ? ';transport=tcp' : '';
  writeFileSync(listPath, uasPorts.map((p) => `1 sip:127.0.0.1:${p}${tp} 0 0\n`).join(''));
  const extra: Record<string, string> = { ...opts.placeholders };
  if (opts.subscribers !== undefined) {
    const dbDir = join(workDir, 'db');
    writeSubscriberTables(dbDir, opts.subscribers);
    extra.__DB_URL__ = `text://${dbDir}`;
  }
  writeFileSync(cfgPath, renderKamailioCfg(readFileSync(opts.cfgTemplate ?? KAMAILIO_CFG_TEMPLATE, 'utf8'), port, listPath, extra));

  const proc = spawnBounded(
    kamailio,
    ['-f', cfgPath, '-DD', '-E', '-m', '256', '-M', '16', '-L', modulesDir, '-Y', workDir, '-a', 'no', '-w', workDir],
    { timeoutSec: opts.timeoutSec ?? 120, cwd: workDir },
  );
  try {
    await waitForUdpSipOptions('127.0.0.1', port, 10_000, proc);
  } catch (e) {
    await proc.kill(2000);
    const r = await proc.exited;
    throw new Error(`kamailio did not come up on 127.0.0.1:${port}: ${(e as Error).message}\n${r.stderr.slice(-4000)}`);
  }
  return {
    host: '127.0.0.1',
    port,
    workDir,
    cfgPath,
    proc,
    log: () => proc.stderrSoFar(),
    stop: () => proc.kill(5000),
  };
}

export interface UasBehindKamailioOptions {
  /** Names the work dirs (`uas-<name>`, `kamailio-<name>`) under `root`. */
  name: string;
  root: string;
  traceMessages: boolean;
  uasTimeoutSec: number;
  /** Kamailio's options other than the UAS port and work dir. */
  kamailio: Omit<KamailioOptions, 'uasPort' | 'workDir'>;
  /** Where the stops go, for the test's afterEach. */
  cleanups: Array<() => Promise<unknown>>;
}

/** A SIPp UAS (fixtures/sipp/uas-basic.xml) on a free UDP port with Kamailio in front of it. */
export async function startUasBehindKamailio(o: UasBehindKamailioOptions): Promise<{ uas: SippUasHandle; proxy: KamailioHandle }> {
  const uasPort = await freeUdpPort();
  const uas = await startSippUas({
    scenario: sippFixture('uas-basic.xml'),
    localPort: uasPort,
    timeoutSec: o.uasTimeoutSec,
    traceMessages: o.traceMessages,
    workDir: mkdtempSync(join(o.root, `callcert-uas-${o.name}-`)),
  });
  o.cleanups.push(() => uas.stop(1000));
  const proxy = await startKamailio({ ...o.kamailio, uasPort, workDir: mkdtempSync(join(o.root, `callcert-kamailio-${o.name}-`)) });
  o.cleanups.push(() => proxy.stop());
  return { uas, proxy };
}
