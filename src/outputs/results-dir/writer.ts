/**
 * Writes a run's files as it goes: calls.jsonl (and flows.jsonl, created on the
 * first flow record) is appended every second, platform.jsonl at each platform scrape,
 * results.json is replaced atomically (write + rename) so a reader or a crash
 * never sees half a file. An interrupted run keeps everything written so far.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rename, writeFile, access, readdir } from 'node:fs/promises';
import path from 'node:path';
import { errors } from '../../errors.js';

export class ResultsWriter {
  private calls: WriteStream | null = null;
  private flows: WriteStream | null = null;
  private platform: WriteStream | null = null;
  private rules: WriteStream | null = null;
  private closed = false;
  private writing: Promise<void> = Promise.resolve();

  constructor(readonly dir: string) {}

  static async open(dir: string): Promise<ResultsWriter> {
    try {
      await mkdir(dir, { recursive: true });
      await access(dir);
      const existing = await readdir(dir);
      if (existing.includes('results.json')) {
        throw errors.outputDir(`output directory ${dir} already holds a results.json; choose another --out`, { dir });
      }
    } catch (e) {
      if ((e as { code?: string }).code === 'CC_ERR_OUTPUT_DIR') throw e;
      throw errors.outputDir(`cannot write to output directory ${dir}: ${(e as Error).message}`, { dir });
    }
    const w = new ResultsWriter(dir);
    w.calls = createWriteStream(path.join(dir, 'calls.jsonl'), { flags: 'a' });
    return w;
  }

  appendCalls(lines: string): void {
    if (lines !== '' && this.calls !== null) this.calls.write(lines);
  }

  /** calls.jsonl's path, once every line appended so far is written. */
  flushCalls(): Promise<string> {
    const file = path.join(this.dir, 'calls.jsonl');
    const calls = this.calls;
    if (calls === null) return Promise.resolve(file);
    // Writes complete in order: this one's callback means the earlier ones are on disk.
    return new Promise((resolve, reject) => calls.write('', (e) => (e ? reject(e) : resolve(file))));
  }

  appendFlows(lines: string): void {
    if (lines === '' || this.closed) return;
    this.flows ??= createWriteStream(path.join(this.dir, 'flows.jsonl'), { flags: 'a' });
    this.flows.write(lines);
  }

  /** The outbound-rule probe's raw records (outbound-rules.jsonl, created on the first one): every INVITE and originate. */
  appendOutboundRules(lines: string): void {
    if (lines === '' || this.closed) return;
    this.rules ??= createWriteStream(path.join(this.dir, 'outbound-rules.jsonl'), { flags: 'a' });
    this.rules.write(lines);
  }

  /** Raw platform scrapes (platform.jsonl, created on the first one). */
  appendPlatform(line: string): void {
    if (line === '' || this.closed) return;
    this.platform ??= createWriteStream(path.join(this.dir, 'platform.jsonl'), { flags: 'a' });
    this.platform.write(line);
  }

  async writeFile(name: string, content: string): Promise<void> {
    await writeFile(path.join(this.dir, name), content);
  }

  /** A whole file, written in turn with results.json (so close() waits for it). */
  writeQueued(name: string, content: string): Promise<void> {
    this.writing = this.writing.then(() => writeFile(path.join(this.dir, name), content));
    return this.writing;
  }

  /** Serialised, atomic replacement of results.json. */
  writeResults(results: unknown): Promise<void> {
    const text = JSON.stringify(results, null, 2) + '\n';
    this.writing = this.writing.then(async () => {
      const tmp = path.join(this.dir, '.results.json.tmp');
      await writeFile(tmp, text);
      await rename(tmp, path.join(this.dir, 'results.json'));
    });
    return this.writing;
  }

  async close(): Promise<void> {
    await this.writing;
    this.closed = true;
    for (const c of [this.calls, this.flows, this.platform, this.rules]) {
      if (c !== null) await new Promise<void>((resolve) => c.end(() => resolve()));
    }
    this.calls = null;
    this.flows = null;
    this.platform = null;
    this.rules = null;
  }
}
