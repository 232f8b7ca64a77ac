import { describe, expect, it } from 'vitest';
import { bodyVars, compileBody, compileTemplate, render, renderBody, TemplateError } from '../../src/http/flows/template.js';
import { parseJsonBody, parseJsonPath, pick, PathSyntaxError } from '../../src/http/flows/extract.js';

const vars = new Map<string, unknown>([
  ['agentId', 'agent-7'],
  ['n', 42],
  ['ok', true],
  ['obj', { a: 1 }],
  ['uas.uri', 'sip:cc12@127.0.0.1:5070'],
]) as Map<string, never>;

describe('templates', () => {
  it('substitutes variables, built-ins with dots included, and leaves plain text alone', () => {
    const t = compileTemplate('/v1/agents/{{agentId}}/calls?n={{ n }}&to={{uas.uri}}');
    expect(t.vars).toEqual(['agentId', 'n', 'uas.uri']);
    expect(render(t, vars)).toBe('/v1/agents/agent-7/calls?n=42&to=sip:cc12@127.0.0.1:5070');
    expect(render(compileTemplate('no variables'), vars)).toBe('no variables');
    expect(render(compileTemplate('{{obj}}'), vars)).toBe('{"a":1}');
  });

  it('a JSON body keeps the type of a value that is a whole string leaf, interpolates elsewhere', () => {
    const b = compileBody({ to: '{{uas.uri}}', count: '{{n}}', label: 'n={{n}}', flags: ['{{ok}}', 1, null], nested: { id: '{{agentId}}' } });
    expect(bodyVars(b).sort()).toEqual(['agentId', 'n', 'n', 'ok', 'uas.uri']);
    expect(renderBody(b, vars)).toEqual({ to: 'sip:cc12@127.0.0.1:5070', count: 42, label: 'n=42', flags: [true, 1, null], nested: { id: 'agent-7' } });
  });

  it('a missing variable and a malformed {{ are errors that name them', () => {
    expect(() => render(compileTemplate('x {{nope}}'), vars)).toThrow(new TemplateError('variable {{nope}} is not set', 'nope'));
    expect(() => compileTemplate('a {{ bad name }}')).toThrow(/"\{\{ bad name \}\}" is not a variable/);
    expect(() => compileTemplate('{{1x}}')).toThrow(TemplateError);
  });
});

describe('JSON paths', () => {
  const doc = { data: { items: [{ id: 'a' }, { id: 'b' }], 'odd key': 3 }, state: 'answered', n: null };

  it('picks members, indexes (negative from the end) and quoted names', () => {
    expect(pick(parseJsonPath('$.state'), doc)).toEqual({ ok: true, value: 'answered' });
    expect(pick(parseJsonPath('$.data.items[1].id'), doc)).toEqual({ ok: true, value: 'b' });
    expect(pick(parseJsonPath('$.data.items[-1].id'), doc)).toEqual({ ok: true, value: 'b' });
    expect(pick(parseJsonPath('$.data["odd key"]'), doc)).toEqual({ ok: true, value: 3 });
    expect(pick(parseJsonPath('$.n'), doc)).toEqual({ ok: true, value: null });
    expect(pick(parseJsonPath('$'), doc)).toEqual({ ok: true, value: doc });
  });

  it('a miss says where and why', () => {
    expect(pick(parseJsonPath('$.data.nope.x'), doc)).toEqual({ ok: false, reason: '$.data.nope is missing' });
    expect(pick(parseJsonPath('$.data.items[5]'), doc)).toEqual({ ok: false, reason: '$.data.items has 2 element(s), no [5]' });
    expect(pick(parseJsonPath('$.state.x'), doc)).toEqual({ ok: false, reason: '$.state is a string, not an object' });
    expect(pick(parseJsonPath('$.data[0]'), doc)).toEqual({ ok: false, reason: '$.data is an object, not an array' });
  });

  it('syntax errors name the character', () => {
    expect(() => parseJsonPath('data.id')).toThrow(new PathSyntaxError('"data.id": expected "$" at character 1 (a path such as $.data.items[0].id)'));
    expect(() => parseJsonPath('$.a[*]')).toThrow(/expected an index or a "quoted name" in \[\], got \[\*\] at character 5/);
    expect(() => parseJsonPath('$.a[0')).toThrow(/unclosed "\["/);
    expect(() => parseJsonPath('$..a')).toThrow(/expected a member name after "\."/);
  });

  it('a non-JSON body is reported with its content-type and first bytes', () => {
    expect(parseJsonBody('{"a":1}', 'application/json')).toEqual({ ok: true, json: { a: 1 } });
    expect(parseJsonBody('<html><body>Bad gateway</body></html>', 'text/html')).toEqual({
      ok: false,
      reason: 'the body is not JSON (content-type text/html, starts "<html><body>Bad gateway</body></html>")',
    });
  });
});
