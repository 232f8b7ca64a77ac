import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildResultsJsonSchema, renderResultsJsonSchema, SCHEMA_VERSION } from '../../src/results/schema.js';

const committed = readFileSync(new URL('../../docs/results.schema.json', import.meta.url), 'utf8');

describe('docs/results.schema.json', () => {
  it('matches the zod schema in src/results/schema.ts', () => {
    // On failure: run `npm run schema` and commit docs/results.schema.json.
    expect(renderResultsJsonSchema() === committed, 'docs/results.schema.json is out of date: run `npm run schema`').toBe(true);
  });

  it('is draft-07 with a title, closed, and pins the schemaVersion', () => {
    const s = buildResultsJsonSchema() as {
      $schema: string;
      title: string;
      additionalProperties: boolean;
      required: string[];
      properties: Record<string, { const?: unknown }>;
    };
    expect(s.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(s.title).toBe('callcert results.json');
    expect(s.additionalProperties).toBe(false);
    expect(s.properties.schemaVersion.const).toBe(SCHEMA_VERSION);
    expect(s.required).toEqual(expect.arrayContaining(['schemaVersion', 'summary', 'criteria', 'timeline', 'embeddedTarget', 'definitions']));
  });

  it('describes every field', () => {
    // Walk the schema: each property has a description of its own or through the definition it refers to.
    const missing: string[] = [];
    const defs = (buildResultsJsonSchema().definitions ?? {}) as Record<string, unknown>;
    const walk = (node: unknown, at: string): void => {
      if (node === null || typeof node !== 'object') return;
      const n = node as {
        properties?: Record<string, Record<string, unknown>>;
        anyOf?: unknown[];
        items?: unknown;
        additionalProperties?: unknown;
      };
      for (const [k, v] of Object.entries(n.properties ?? {})) {
        const ref = (v.allOf as Array<{ $ref?: string }> | undefined)?.[0]?.$ref ?? (v.$ref as string | undefined);
        if (v.description === undefined && ref === undefined) missing.push(at === '' ? k : `${at}.${k}`);
        walk(v, at === '' ? k : `${at}.${k}`);
      }
      for (const b of n.anyOf ?? []) walk(b, at);
      if (n.items !== undefined) walk(n.items, `${at}[]`);
      if (typeof n.additionalProperties === 'object') walk(n.additionalProperties, `${at}.*`);
    };
    walk(buildResultsJsonSchema(), '');
    for (const [k, v] of Object.entries(defs)) walk(v, `#${k}`);
    expect(missing).toEqual([]);
  });

  it('`npm run schema` (scripts/gen-schema.mjs) produces the same file without a build', () => {
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const out = execFileSync(process.execPath, ['scripts/gen-schema.mjs', '--check'], { cwd: root, encoding: 'utf8' });
    expect(out).toMatch(/docs\/results\.schema\.json is up to date/);
  });
});
