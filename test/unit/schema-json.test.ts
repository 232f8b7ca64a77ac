import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildJsonSchema, renderJsonSchema } from '../../src/scenario/schema.js';

const committed = readFileSync(new URL('../../scenarios/schema.json', import.meta.url), 'utf8');

describe('scenarios/schema.json', () => {
  it('matches the zod schema in src/scenario/schema.ts', () => {
    // On failure: run `npm run schema` and commit scenarios/schema.json.
    expect(renderJsonSchema() === committed, 'scenarios/schema.json is out of date: run `npm run schema`').toBe(true);
  });

  it('is draft-07 with a title, strict at the top level, and requires name and load', () => {
    const s = buildJsonSchema();
    expect(s.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(s.title).toBe('callcert scenario');
    expect(s.additionalProperties).toBe(false);
    expect(s.required).toEqual(['name', 'load']);
  });

  it('describes durations once, as definitions', () => {
    const defs = buildJsonSchema().definitions as Record<string, { description?: string }>;
    expect(Object.keys(defs).sort()).toEqual(['duration', 'positiveDuration']);
    expect(defs.duration.description).toMatch(/1m30s/);
  });

  it('uses patterns the validators agree with', () => {
    const defs = buildJsonSchema().definitions as Record<string, { anyOf?: Array<{ pattern?: string }>; pattern?: string }>;
    const positive = new RegExp(defs.positiveDuration.pattern ?? '');
    expect(['20s', '1m30s', '0.5ms'].every((d) => positive.test(d))).toBe(true);
    expect(['0s', '0', '20', '0m0s'].some((d) => positive.test(d))).toBe(false);
  });

  it('`npm run schema` (scripts/gen-schema.mjs) produces the same file without a build', () => {
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const out = execFileSync(process.execPath, ['scripts/gen-schema.mjs', '--check'], { cwd: root, encoding: 'utf8' });
    expect(out).toMatch(/is up to date/);
  });
});
