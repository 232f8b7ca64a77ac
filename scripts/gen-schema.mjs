#!/usr/bin/env node
/**
 * Writes scenarios/schema.json from the zod schema in src/scenario/schema.ts, and
 * docs/results.schema.json (the shape of results.json) from src/results/schema.ts.
 *
 *   npm run schema            # regenerate
 *   node scripts/gen-schema.mjs --check   # exit 1 when a committed file is stale
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
/** Each generated file: its zod module under src/, the function rendering it, where it goes. */
const OUTPUTS = [
  { entry: 'scenario/schema.ts', render: 'renderJsonSchema', out: 'scenarios/schema.json' },
  { entry: 'results/schema.ts', render: 'renderResultsJsonSchema', out: 'docs/results.schema.json' },
];
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
let stale = false;
for (const o of OUTPUTS) {
  const entry = path.join(srcDir, o.entry);
  const outFile = path.join(root, o.out);
  await transpileTree(entry);
  const mod = await import(pathToFileURL(path.join(cacheDir, o.entry.replace(/\.ts$/, '.js'))).href);
  const text = mod[o.render]();
  if (process.argv.includes('--check')) {
    const current = await readFile(outFile, 'utf8').catch(() => null);
    if (current !== text) {
      console.error(`${o.out} is out of date: run \`npm run schema\``);
      stale = true;
    } else {
      console.log(`${o.out} is up to date`);
    }
  } else {
    await writeFile(outFile, text);
    console.log(`wrote ${o.out}`);
  }
}
if (stale) process.exit(1);
