import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { pickRow } from '../../src/http/flows/feeder.js';
import { CsvError, parseCsv, readCsvFile } from '../../src/util/csv.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const FEEDERS = path.join(ROOT, 'test/fixtures/feeders');

describe('CSV feeder (RFC 4180)', () => {
  it('reads quoted fields with commas, doubled quotes, line breaks, CRLF and LF records', () => {
    const t = readCsvFile(path.join(FEEDERS, 'agents.csv'));
    expect(t.columns).toEqual(['agentId', 'token', 'note']);
    expect(t.rows).toEqual([
      ['agent-1', 't1', 'hello, world'],
      ['agent-2', 't2', 'say "hi"'],
      ['agent-3', 't3', 'two\nlines'],
    ]);
  });

  it('takes a BOM, blank lines, empty fields and no final line break', () => {
    expect(parseCsv('\ufeffa,b\n\n1,\n,2')).toEqual({ columns: ['a', 'b'], rows: [['1', ''], ['', '2']] });
    expect(parseCsv('a\n""\n')).toEqual({ columns: ['a'], rows: [['']] });
  });

  it('errors name the line and what was expected', () => {
    expect(() => parseCsv('a,b\n1,2,3\n')).toThrow(new CsvError('line 2: 3 field(s), expected 2 (a, b)', 2));
    expect(() => parseCsv('a\n"open\n')).toThrow(/line 2: a quoted field is not closed/);
    expect(() => parseCsv('a\n"x"y\n')).toThrow(/line 2: unexpected "y" after a closing quote/);
    expect(() => parseCsv('a\nx"y\n')).toThrow(/line 2: a quote inside an unquoted field/);
    expect(() => parseCsv('')).toThrow(/the file is empty/);
    expect(() => parseCsv('a\n')).toThrow(/no data rows/);
    expect(() => parseCsv('a-b\n1\n')).toThrow(/column name "a-b" is not a variable name/);
    expect(() => parseCsv('a,a\n1,2\n')).toThrow(/column "a" appears twice/);
  });

  it('a missing file says so', () => {
    expect(() => readCsvFile(path.join(FEEDERS, 'nope.csv'))).toThrow(new CsvError('file not found', 0));
    expect(() => readCsvFile(FEEDERS)).toThrow(/is a directory/);
  });

  it('sequential order gives flow k row k mod n, or none once used up without recycling; random stays in range', () => {
    const f = { columns: ['n'], rows: [['0'], ['1'], ['2']], order: 'sequential' as const, recycle: true };
    expect([0, 1, 2, 3, 7].map((k) => pickRow(f, k, Math.random)?.[0])).toEqual(['0', '1', '2', '0', '1']);
    expect(pickRow({ ...f, recycle: false }, 3, Math.random)).toBeNull();
    expect(pickRow({ ...f, recycle: false }, 2, Math.random)).toEqual(['2']);
    const seq = [0, 0.34, 0.99999];
    expect(seq.map((r) => pickRow({ ...f, order: 'random' }, 0, () => r)?.[0])).toEqual(['0', '1', '2']);
  });
});
