/**
 * The certification report end to end: a real short run through the built CLI
 * with --report, then the PDF checked with poppler (pdftotext, pdffonts,
 * pdftoppm, pdfdetach) and with `callcert verify`, untouched and tampered.
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_BIN, REPO_ROOT, requireBuiltCli } from '../helpers/cli.js';
import { spawnBounded } from '../helpers/procs.js';
import { decodeStream, obj, pageContent, pageFonts, pages, parsePdf, refOf } from '../../src/report/pdf-read.js';
import { hasGlyph } from '../../src/report/glyphs.js';
import { decodeEnvelope, encodeEnvelope, MANIFEST_RESERVED_CHARS } from '../../src/report/manifest.js';
import { sha256Hex } from '../../src/report/model.js';
import { replaceStream } from './pdf-tamper.js';
import { pageFontFaces, visibleChars } from './html-page.js';
import { PAGE_FONT } from '../../src/report/html.js';

const TOKEN = 's3cret-token-9f2c';
// Credentials in less obvious places: a URL query parameter and a secret-named header.
const QUERY_SECRET = 'qs-s3cret-7e1b';
const HEADER_SECRET = 'hdr-s3cret-4d2a';
const SECRETS = [TOKEN, QUERY_SECRET, HEADER_SECRET];
const dir = mkdtempSync(path.join(tmpdir(), 'callcert-report-'));
const out = path.join(dir, 'run');
const pdfFile = path.join(out, 'report.pdf');
let results: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- results.json as parsed
let resultsBytes: Buffer;
let runStdout = '';

const cli = (args: string[], timeoutSec = 60) => spawnBounded(process.execPath, [CLI_BIN, ...args], { timeoutSec, cwd: REPO_ROOT }).exited;
const poppler = (tool: string, args: string[]) => execFileSync(tool, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
const text = (file: string, layout = true) => poppler('pdftotext', [...(layout ? ['-layout'] : []), file, '-']);
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

beforeAll(async () => {
  requireBuiltCli();
  const scenario = path.join(dir, 'report-e2e.yaml');
  writeFileSync(scenario, `name: report-e2e
load:
  model: closed
  stages:
    - { duration: 1s, target: 20 }
    - { duration: 5s, target: 20 }
call:
  hold: 2s
http:
  token: "${TOKEN}"
  load:
    - { name: agents, url: /v1/agents, rate: 20, start: 1s, duration: 3s }
    - { name: signed, url: "/v1/agents?page=1&access_token=${QUERY_SECRET}", headers: { X-Api-Key: "${HEADER_SECRET}" }, rate: 5, start: 1s, duration: 3s }
criteria:
  setup_ms: ["p(95)<1000"]
  concurrency_sustained: [">=20"]
  ser: [">=0.99"]
`);
  const r = await cli(['run', scenario, '--quiet', '--workers', '1', '--out', out, '--report'], 90);
  runStdout = r.stdout;
  expect(r.code, r.stderr).toBe(0);
  resultsBytes = readFileSync(path.join(out, 'results.json'));
  results = JSON.parse(resultsBytes.toString('utf8'));
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('run --report: the PDF', () => {
  it('is written by the run and announced', () => {
    expect(existsSync(pdfFile)).toBe(true);
    expect(runStdout).toMatch(/pdf: .*report\.pdf \(\d+ bytes/);
  });

  it('has the Chinese section titles, page numbering and the figures of results.json as recorded', () => {
    const t = text(pdfFile);
    for (const title of ['呼叫中心系统负载测试（容量验证）报告', '（SIP 呼叫负载与容量测试）', '注意事项', '目录', '报告摘要', '编制', '审核', '批准', '测试目的、范围与判定准则', '测试依据', '被测系统与拓扑', '测试环境', '测试工具', '测试方法与场景', '测试结果', '许可技术要求对照', '结果分析', '结论', '附录A 测试场景', '附录B 原始数据与校验值', '附录C 指标定义']) {
      expect(t, title).toContain(title);
    }
    // 20 channels, never above the licence's 1000: a load test, and no certification wording.
    expect(t).not.toMatch(/压力测试报告|认证）|certification\)/);
    const pageCount = Number(/Pages:\s+(\d+)/.exec(poppler('pdfinfo', [pdfFile]))![1]);
    expect(pageCount).toBeGreaterThan(8);
    expect(t).toMatch(new RegExp(`第\\s*1\\s*页\\s*共\\s*${pageCount}\\s*页`));
    expect(t).toMatch(new RegExp(`第\\s*${pageCount}\\s*页\\s*共\\s*${pageCount}\\s*页`));
    const s = results.summary;
    expect(s.calls.attempted).toBeGreaterThan(20);
    expect(t).toMatch(new RegExp(`Calls attempted\\s+${s.calls.attempted}\\b`));
    expect(t).toMatch(new RegExp(`Sustained concurrent calls\\s+${s.concurrency.sustained}\\b`));
    // Delays to 0.1 ms.
    expect(t).toMatch(new RegExp(`Call setup delay p95 \\(ms\\)\\s+${esc((Math.round(s.setupMs.p95 * 10) / 10).toFixed(1))}\\b`));
    // Not vacuous: the scenario's three criteria, each on its row with its source; against the simulator a met
    // threshold is a self-check result, never a PASS.
    expect(results.criteria).toHaveLength(3);
    for (const c of results.criteria) {
      expect(t).toMatch(new RegExp(`${c.metric} ${esc(c.criterion)}（场景设定 / set by the scenario）\\s+${esc(String(c.actual))}\\s+达到阈值（自检）`));
    }
    expect(t).not.toMatch(/PASS|符合 \/ conforms|已测量/);
    expect(t).toContain(`results.json SHA-256: ${sha256Hex(resultsBytes)}`);
    // The simulator run says so on the cover, and every licence row is not applicable.
    const cover = poppler('pdftotext', ['-f', '1', '-l', '1', pdfFile, '-']).replace(/\s+/g, '');
    expect(cover).toContain('本报告为内置模拟呼叫中心的自检/演示报告，不得用于电信业务许可申请');
    expect(cover).toContain('自检完成（不适用于许可）');
    // The target is on the generator's own host (loopback): said on the cover.
    expect(cover).toContain('被测目标地址为负载发生器本机（回环地址）');
    expect((t.match(/不适用 \/ not applicable/g) ?? []).length).toBeGreaterThanOrEqual(7);
    expect(t).not.toMatch(/未测试（原因见证据栏）/);
  });

  it('embeds every font it uses (pdffonts) and uses only Noto Sans SC', () => {
    const rows = poppler('pdffonts', [pdfFile]).trim().split('\n').slice(2);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(row).toMatch(/NotoSansSC/);
      expect(row.split(/\s+/).slice(-5, -4)[0], row).toBe('yes'); // emb column
    }
  });

  it('renders every page (pdftoppm) and draws no .notdef glyph', () => {
    const png = path.join(dir, 'png');
    execFileSync('pdftoppm', ['-r', '50', '-png', pdfFile, png]);
    const doc = parsePdf(readFileSync(pdfFile));
    const ps = pages(doc);
    expect(readdirSync(dir).filter((f) => f.startsWith('png')).length).toBe(ps.length);
    for (const [i, p] of ps.entries()) {
      const content = pageContent(doc, p).toString('latin1');
      // pdfkit writes 2-byte glyph codes; code 0 is .notdef in every subset (a missing-glyph box).
      for (const tj of content.matchAll(/\[((?:<[0-9a-f]*>|[\s\d.-])*)\]\s*TJ/g)) {
        for (const h of tj[1].matchAll(/<([0-9a-f]*)>/g)) {
          for (let k = 0; k < h[1].length; k += 4) expect(h[1].slice(k, k + 4), `page ${i + 1}`).not.toBe('0000');
        }
      }
    }
    const missing = [...new Set(text(pdfFile, false))].filter((ch) => ch.codePointAt(0)! >= 0x20 && !hasGlyph(ch.codePointAt(0)!));
    expect(missing).toEqual([]);
  });

  it('attaches results.json byte for byte (pdfdetach)', () => {
    const list = poppler('pdfdetach', ['-list', pdfFile]);
    expect(list).toMatch(/results\.json/);
    expect(list).toMatch(/calls\.jsonl/);
    const saved = path.join(dir, 'detached.json');
    execFileSync('pdfdetach', ['-savefile', 'results.json', '-o', saved, pdfFile]);
    expect(readFileSync(saved).equals(resultsBytes)).toBe(true);
    const calls = path.join(dir, 'detached.jsonl');
    execFileSync('pdfdetach', ['-savefile', 'calls.jsonl', '-o', calls, pdfFile]);
    expect(readFileSync(calls).equals(readFileSync(path.join(out, 'calls.jsonl')))).toBe(true);
  });

  it('never shows the scenario\'s credentials (token, URL query secret, secret header) in the text, any attachment or the run\'s files', () => {
    const input = readFileSync(path.join(out, 'scenario.yaml'), 'utf8');
    const all = path.join(dir, 'all');
    execFileSync('mkdir', ['-p', all]);
    execFileSync('pdfdetach', ['-saveall', '-o', all, pdfFile]);
    const pdfText = text(pdfFile, false);
    for (const secret of SECRETS) {
      expect(input).toContain(secret); // the input really holds it
      expect(pdfText).not.toContain(secret);
      for (const f of readdirSync(all)) expect(readFileSync(path.join(all, f), 'utf8'), f).not.toContain(secret);
      expect(readFileSync(pdfFile).includes(secret)).toBe(false);
      for (const f of ['results.json', 'scenario.resolved.json', 'calls.jsonl']) expect(readFileSync(path.join(out, f), 'utf8'), f).not.toContain(secret);
    }
    expect(pdfText).toContain('token: "***"');
    expect(pdfText).toContain('access_token=***');
    // The load itself ran with the real values: the CTI API answered it.
    expect(results.summary.http.signed.url).toContain('access_token=[redacted]');
    expect(results.summary.http.signed.completed).toBeGreaterThan(0);
  });
});

describe('callcert verify', () => {
  it('passes on the untouched report', async () => {
    const r = await cli(['verify', pdfFile]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`results.json SHA-256: ${sha256Hex(resultsBytes)} (attached, matches)`);
    expect(r.stdout).toMatch(/verdict passed/);
  });

  it('fails (exit 6) when the attached results.json was altered', async () => {
    const pdf = readFileSync(pdfFile);
    const doc = parsePdf(pdf);
    const spec = [...doc.objects.values()].find((o) => /\/Type\s*\/Filespec/.test(o.body) && o.body.includes('(results.json)'))!;
    const efNum = Number(/\/EF\s*<<\s*\/F\s+(\d+)/.exec(spec.body)![1]);
    const original = decodeStream(obj(doc, efNum, 'ef')).toString('utf8');
    const altered = original.replace(`"attempted": ${results.summary.calls.attempted}`, `"attempted": ${results.summary.calls.attempted + 1}`);
    expect(altered).not.toBe(original);
    const bad = path.join(dir, 'tampered-attachment.pdf');
    writeFileSync(bad, replaceStream(pdf, efNum, Buffer.from(altered)));
    // A well-formed PDF that poppler still reads: the change is only in the data.
    execFileSync('pdfdetach', ['-savefile', 'results.json', '-o', path.join(dir, 'bad.json'), bad]);
    expect(readFileSync(path.join(dir, 'bad.json'), 'utf8')).toBe(altered);
    const r = await cli(['verify', bad]);
    expect(r.code).toBe(6);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/attachment results\.json SHA-256 [0-9a-f]{64} differs from the manifest's .*\[CC_ERR_VERIFY_FAILED\]/);
  });

  it('fails (exit 6) when a printed figure was altered', async () => {
    const pdf = readFileSync(pdfFile);
    const doc = parsePdf(pdf);
    const target = String(results.summary.calls.attempted);
    const changed = target.slice(0, -1) + String((Number(target.slice(-1)) + 1) % 10);
    let done: Buffer | null = null;
    for (const p of pages(doc)) {
      const fonts = pageFonts(doc, p);
      const contentNum = refOf(p.body, 'Contents')!;
      const content = pageContent(doc, p).toString('latin1');
      // Find the text run printing exactly the attempted count (kerning numbers between glyphs allowed)
      // and re-encode it with the last digit changed, as an editor would.
      for (const [, map] of fonts) {
        const rev = new Map([...map].map(([code, ch]) => [ch, code]));
        const enc = (str: string) => [...str].map((ch) => rev.get(ch)!.toString(16).padStart(4, '0')).join('');
        if ([...changed].some((ch) => !rev.has(ch))) continue;
        const run = [...content.matchAll(/\[((?:<[0-9a-f]*>|[\s\d.-])*)\]\s*TJ/g)].find((m) => {
          const hex = [...m[1].matchAll(/<([0-9a-f]*)>/g)].map((h) => h[1]).join('');
          let decoded = '';
          for (let k = 0; k < hex.length; k += 4) decoded += map.get(parseInt(hex.slice(k, k + 4), 16)) ?? '\uFFFD';
          return decoded === target;
        });
        if (run !== undefined) {
          done = replaceStream(pdf, contentNum, Buffer.from(content.replace(run[0], `[<${enc(changed)}> 0] TJ`), 'latin1'));
          break;
        }
      }
      if (done) break;
    }
    expect(done, 'the attempted count is printed as its own text run').not.toBeNull();
    const bad = path.join(dir, 'tampered-text.pdf');
    writeFileSync(bad, done!);
    expect(text(bad)).toMatch(new RegExp(`Calls attempted\\s+${changed}\\b`)); // the edit is visible text
    const r = await cli(['verify', bad]);
    expect(r.code).toBe(6);
    expect(r.stderr).toMatch(/page \d+ content differs from the manifest: text or drawing on that page was altered/);
  });

  it('signs with --sign and checks with --pubkey; another key or an edited manifest fails', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const other = generateKeyPairSync('ed25519').publicKey;
    const key = path.join(dir, 'key.pem');
    const pub = path.join(dir, 'pub.pem');
    const otherPub = path.join(dir, 'other.pem');
    writeFileSync(key, privateKey.export({ type: 'pkcs8', format: 'pem' }));
    writeFileSync(pub, publicKey.export({ type: 'spki', format: 'pem' }));
    writeFileSync(otherPub, other.export({ type: 'spki', format: 'pem' }));
    const signed = path.join(dir, 'signed.pdf');
    const g = await cli(['report', out, '--sign', key, '-o', signed]);
    expect(g.code, g.stderr).toBe(0);
    expect(g.stdout).toMatch(/signed/);

    const ok = await cli(['verify', signed, '--pubkey', pub]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/signature OK \(Ed25519/);

    const wrong = await cli(['verify', signed, '--pubkey', otherPub]);
    expect(wrong.code).toBe(6);
    expect(wrong.stderr).toMatch(/signed with another key/);

    const unsigned = await cli(['verify', pdfFile, '--pubkey', pub]);
    expect(unsigned.code).toBe(6);
    expect(unsigned.stderr).toMatch(/not signed, but --pubkey was given/);

    // Edit the manifest (claim another results.json hash), keep the old signature: same length, in place.
    const pdf = readFileSync(signed);
    const s = pdf.toString('latin1');
    const at = s.indexOf('(', s.indexOf('\n', s.search(/\d+ 0 obj\s*\(eyJ/))) ;
    const raw = s.slice(at + 1, at + 1 + MANIFEST_RESERVED_CHARS);
    const env = decodeEnvelope(raw);
    const forged = encodeEnvelope({ ...env, manifest: env.manifest.replace(/"sha256":"[0-9a-f]/, (m) => m.slice(0, -1) + (m.endsWith('0') ? '1' : '0')) });
    const bad = Buffer.from(pdf);
    bad.write(forged.padEnd(MANIFEST_RESERVED_CHARS, ' '), at + 1, 'latin1');
    const badFile = path.join(dir, 'forged.pdf');
    writeFileSync(badFile, bad);
    const f = await cli(['verify', badFile, '--pubkey', pub]);
    expect(f.code).toBe(6);
    expect(f.stderr).toMatch(/signature does not match the manifest/);
  });
});

describe('callcert verify: other alterations', () => {
  it('fails on an annotation added over a page (content stream untouched)', async () => {
    const pdf = readFileSync(pdfFile);
    const doc = parsePdf(pdf);
    // A page that has no annotations of its own (the table of contents has its links).
    const k = pages(doc).findIndex((p, i) => i > 0 && !/\/Annots\b/.test(p.body));
    const page = pages(doc)[k];
    const s = pdf.toString('latin1');
    const at = s.indexOf(page.body);
    // Same length: overwrite the /UserUnit entry pdfkit writes with an /Annots array.
    const edited = page.body.replace('/UserUnit 1', '/Annots []');
    expect(edited).not.toBe(page.body);
    const bad = Buffer.from(pdf);
    bad.write(edited.padEnd(page.body.length, ' '), at, 'latin1');
    const file = path.join(dir, 'annotated.pdf');
    writeFileSync(file, bad);
    const r = await cli(['verify', file]);
    expect(r.code).toBe(6);
    expect(r.stderr).toContain(`page ${k + 1} has annotations added after the report was written`);
  });

  it('fails with one line on a PDF that is not a callcert report, or not a PDF', async () => {
    const notReport = path.join(dir, 'plain.pdf');
    execFileSync('pdfseparate', ['-f', '1', '-l', '1', pdfFile, notReport]);
    const a = await cli(['verify', notReport]);
    expect(a.code).toBe(6);
    expect(a.stderr.trim().split('\n')).toHaveLength(1);
    expect(a.stderr).toMatch(/CC_ERR_VERIFY_FAILED/);
    const junk = path.join(dir, 'junk.pdf');
    writeFileSync(junk, 'hello');
    const b = await cli(['verify', junk]);
    expect(b.code).toBe(6);
    expect(b.stderr).toMatch(/not a PDF/);
  });

  it('report refuses a results.json whose verdicts do not follow from its numbers', async () => {
    const d = path.join(dir, 'lying');
    cpSync(out, d, { recursive: true });
    const lie = structuredClone(results);
    const c = lie.criteria.find((x: { metric: string }) => x.metric === 'concurrency_sustained');
    c.actual = 19; // below ">=20", still marked pass
    writeFileSync(path.join(d, 'results.json'), JSON.stringify(lie));
    const r = await cli(['report', d]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/concurrency_sustained >=20: measured 19 gives fail, results\.json says pass.*\[CC_ERR_RESULTS_INVALID\]/);
  });
});

describe('report of a run that is not valid evidence', () => {
  for (const [name, edit] of [
    ['interrupted', { interrupted: true, valid: false, verdict: 'invalid', invalidReasons: ['run was interrupted before the end of its last stage'] }],
    ['generator saturated', { valid: false, verdict: 'invalid', invalidReasons: ['generator saturated: schedule slip p99 48.3 ms > 20 ms'] }],
  ] as const) {
    it(`${name}: says so on the cover and summary, shows no PASS, and still verifies`, async () => {
      const d = path.join(dir, name.replace(/\s/g, '-'));
      cpSync(out, d, { recursive: true });
      rmSync(path.join(d, 'report.pdf'));
      writeFileSync(path.join(d, 'results.json'), JSON.stringify({ ...results, ...edit }, null, 2));
      const g = await cli(['report', d]);
      expect(g.code, g.stderr).toBe(0);
      expect(g.stdout).toMatch(/verdict invalid/);
      const pdf = path.join(d, 'report.pdf');
      const t = text(pdf);
      expect(t).not.toMatch(/PASS/);
      expect(t).toContain(edit.invalidReasons[0]);
      const cover = poppler('pdftotext', ['-f', '1', '-l', '1', pdf, '-']);
      const summary = poppler('pdftotext', ['-f', '4', '-l', '4', pdf, '-']);
      for (const page of [cover, summary]) {
        expect(page).toMatch(/无效：测试中断或负载发生器饱和/);
        expect(page).toMatch(/INVALID/);
      }
      // Threshold met, but not a pass.
      expect(t).toMatch(/达到阈值（运行无效）/);
      const v = await cli(['verify', pdf]);
      expect(v.code, v.stderr).toBe(0);
      expect(v.stdout).toMatch(/verdict invalid/);
    });
  }
});

describe('report options', () => {
  it('takes report.yaml for the cover and rejects an unknown key naming file and field', async () => {
    const meta = path.join(dir, 'report.yaml');
    writeFileSync(meta, 'reportNumber: BJ-2026-0042\nclient: 北京某某呼叫中心有限公司\nsystem: { name: 智能客服平台, version: 3.2.1 }\nlab: 某某通信测试实验室\ntesters: [张三]\nreviewers: 李四\napprover: 王五\n'
      + 'labAddress: 北京市海淀区某某路 1 号\nlabContact: 010-12345678\ntestLocation: 委托方数据中心（上海）\nreceiptDate: 2026-11-30\nobjectionDays: 10\ntimeZone: Asia/Shanghai\n');
    const file = path.join(dir, 'meta.pdf');
    const g = await cli(['report', out, '--meta', meta, '-o', file]);
    expect(g.code, g.stderr).toBe(0);
    const t = text(file, false);
    for (const s of ['BJ-2026-0042', '北京某某呼叫中心有限公司', '智能客服平台 3.2.1', '某某通信测试实验室', '张三', '李四', '王五']) expect(t).toContain(s);
    // Third-party identity and sign-off from report.yaml: lab address and contact, category, location, receipt date,
    // the copy and objection notices, the end-of-report mark; times in Beijing time with the offset.
    for (const s of ['北京市海淀区某某路 1 号', '010-12345678', '委托测试', '委托方数据中心（上海）', '2026-11-30', '复制报告未重新加盖测试单位检验检测专用章无效', '10 日内', '（以下空白）—— 报告结束 ——', 'UTC+08:00', '骑']) {
      expect(t, s).toContain(s);
    }

    // A topology image: drawn in the PDF (pdfimages lists it) and covered by verify.
    const { Canvas } = await import('@napi-rs/canvas');
    const cv = new Canvas(200, 80);
    const g2 = cv.getContext('2d');
    g2.fillStyle = '#1f4e9c';
    g2.fillRect(10, 10, 180, 60);
    writeFileSync(path.join(dir, 'topo.png'), cv.toBuffer('image/png'));
    writeFileSync(meta, 'reportNumber: BJ-2026-0043\ntopology: topo.png\n');
    const topo = path.join(dir, 'topo.pdf');
    const gt = await cli(['report', out, '--meta', meta, '-o', topo]);
    expect(gt.code, gt.stderr).toBe(0);
    expect(poppler('pdfimages', ['-list', topo])).toMatch(/\s200\s+80\s/);
    expect((await cli(['verify', topo])).code).toBe(0);

    // Licence mode: the embedded simulator is refused as the report's object, with the file and field named.
    writeFileSync(meta, 'mode: licence\nsystem: { name: 智能客服平台, version: 3.2.1, vendor: 某某科技, deployment: 自建 }\n');
    const lic = await cli(['report', out, '--meta', meta, '-o', file]);
    expect(lic.code).toBe(2);
    expect(lic.stderr).toMatch(/report\.yaml: mode: licence refuses this run: its target was callcert's embedded simulated call centre.*\[CC_ERR_REPORT_META\]/);

    writeFileSync(meta, 'reportNumber: X\nclinet: typo\n');
    const bad = await cli(['report', out, '--meta', meta, '-o', file]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/report\.yaml: \(root\): expected no key "clinet" .*\[CC_ERR_REPORT_META\]/);
  });

  it('writes zh-only and en-only reports that verify', async () => {
    for (const lang of ['zh', 'en'] as const) {
      const file = path.join(dir, `${lang}.pdf`);
      const g = await cli(['report', out, '--lang', lang, '-o', file]);
      expect(g.code, g.stderr).toBe(0);
      const t = text(file, false);
      if (lang === 'zh') {
        expect(t).toContain('报告摘要');
        expect(t).not.toContain('Summary');
        expect(t).toMatch(/第\s*1\s*页\s*共\s*\d+\s*页/);
      } else {
        expect(t).toContain('Summary');
        expect(t).not.toContain('报告摘要');
        expect(t).toMatch(/Page 1 of \d+/);
      }
      const v = await cli(['verify', file]);
      expect(v.code, v.stderr).toBe(0);
    }
  });

  it('dispatches junit and md, and writes html', async () => {
    const stem = path.join(dir, 'multi');
    const g = await cli(['report', out, '--format', 'junit,md,html', '-o', stem]);
    expect(g.code, g.stderr).toBe(0);
    expect(readFileSync(`${stem}.xml`, 'utf8')).toMatch(/<testsuite/);
    expect(readFileSync(`${stem}.md`, 'utf8').length).toBeGreaterThan(50);
    const html = readFileSync(`${stem}.html`, 'utf8');
    // The PDF's sections, the charts as chart.js canvases drawn from embedded data, and no credential.
    for (const title of ['报告摘要', '测试结果', '许可技术要求对照', '结论', '附录A 测试场景', '附录B 原始数据与校验值']) expect(html, title).toContain(title);
    expect(html).toMatch(/<canvas id="chart-setup-\d+"/);
    expect(html).toMatch(new RegExp(`<td>呼叫尝试 / Calls attempted</td><td>${results.summary.calls.attempted}</td>`));
    expect(html).toContain(`<code id="results-sha256">${sha256Hex(resultsBytes)}</code>`);
    for (const secret of SECRETS) expect(html).not.toContain(secret);
    expect(html).toContain('token: &quot;***&quot;');
    // The font travels with the page: Noto Sans SC regular and bold, cut to what the page shows,
    // so it reads the same on a machine without any CJK font (no tofu boxes).
    const fonts = pageFontFaces(html);
    expect(fonts.map((f) => [f.family, f.weight])).toEqual([[PAGE_FONT, 400], [PAGE_FONT, 700]]);
    const chars = [...visibleChars(html)];
    expect(chars).toContain('报');
    for (const f of fonts) {
      expect(f.bytes).toBeLessThan(400_000); // a subset, not the 10 MB font
      const missing = chars.filter((ch) => !f.font.hasGlyphForCodePoint(ch.codePointAt(0)!));
      expect(missing, `weight ${f.weight}`).toEqual([]);
    }
    expect(html).toMatch(new RegExp(`body\\{font-family:"${PAGE_FONT}"`));
  });
});
