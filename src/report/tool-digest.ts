/**
 * "Tools with versions and SHA-256 of the tool's package": callcert's own code
 * is identified by one digest over its installed files, computed like
 * `sha256sum` over bin/, dist/ and package.json (sorted paths), so a lab can
 * reproduce it with `find bin dist package.json -type f | sort | xargs sha256sum | sha256sum`
 * (the listing hashed is exactly those lines).
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { VERSION } from '../version.js';

export interface ToolDigest {
  name: string;
  version: string;
  /** SHA-256 of the sha256sum-style listing of the package files. */
  sha256: string;
  files: number;
  node: string;
}

// src/report or dist/report → the package root.
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const out: string[] = [];
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(p)));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

let cached: Promise<ToolDigest> | null = null;

export function toolDigest(): Promise<ToolDigest> {
  cached ??= (async () => {
    const files = [...(await walk(path.join(ROOT, 'bin'))), ...(await walk(path.join(ROOT, 'dist'))), path.join(ROOT, 'package.json')]
      .map((f) => path.relative(ROOT, f).split(path.sep).join('/'))
      .sort();
    const listing = createHash('sha256');
    for (const rel of files) {
      const h = createHash('sha256').update(await readFile(path.join(ROOT, rel))).digest('hex');
      listing.update(`${h}  ${rel}\n`);
    }
    return { name: 'callcert', version: VERSION, sha256: listing.digest('hex'), files: files.length, node: process.version };
  })();
  return cached;
}
