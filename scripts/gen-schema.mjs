#!/usr/bin/env node
/**
 * Writes scenarios/schema.json from the zod schema in src/scenario/schema.ts.
 *
 *   npm run schema            # regenerate
 *   node scripts/gen-schema.mjs --check   # exit 1 when the committed file is stale
 *
 * No build needed: the schema module and its relative imports are transpiled
 * with TypeScript's transpileModule into node_modules/.cache/callcert-gen-schema
 * (inside the project, so `zod` and `yaml` resolve as usual) and imported from
 * there. test/unit/schema-json.test.ts checks the committed file the same way.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const srcDir = path.join(root, 'src');
const entry = path.join(srcDir, 'scenario', 'schema.ts');
const outFile = path.join(root, 'scenarios', 'schema.json');
const cacheDir = path.join(root, 'node_modules', '.cache', 'callcert-gen-schema');

/** Transpiles `entry` and every module it imports relatively, preserving the layout under src/. */
async function transpileTree(start) {
  const seen = new Set();
  const queue = [start];
  while (queue.length > 0) {
    const file = queue.shift();
    if (seen.has(file)) continue;
    seen.add(file);
    const source = await readFile(file, 'utf8');
    const { outputText } = ts.transpileModule(source, {
      fileName: file,
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, sourceMap: false },
    });
    const out = path.join(cacheDir, path.relative(srcDir, file)).replace(/\.ts$/, '.js');
    await mkdir(path.dirname(out), { recursive: true });
    await writeFile(out, outputText);
    // `import ... from './x.js'` / `export ... from '../y.js'` (type-only imports are gone after transpiling)
    for (const m of outputText.matchAll(/(?:import|export)\s[^'"]*?from\s*['"](\.{1,2}\/[^'"]+)\.js['"]/g)) {
      queue.push(path.resolve(path.dirname(file), `${m[1]}.ts`));
    }
  }
}

await rm(cacheDir, { recursive: true, force: true });
await transpileTree(entry);
const mod = await import(pathToFileURL(path.join(cacheDir, 'scenario', 'schema.js')).href);
const text = mod.renderJsonSchema();

if (process.argv.includes('--check')) {
  const current = await readFile(outFile, 'utf8').catch(() => null);
  if (current !== text) {
    console.error(`${path.relative(root, outFile)} is out of date: run \`npm run schema\``);
    process.exit(1);
  }
  console.log(`${path.relative(root, outFile)} is up to date`);
} else {
  await writeFile(outFile, text);
  console.log(`wrote ${path.relative(root, outFile)}`);
}
