/** results/calls-file.ts: calls.jsonl read back line by line, the one reader of the probe and the report. */
import { describe, expect, it } from 'vitest';
import { readCallRecords, type CallRecordsOptions } from '../../src/results/calls-file.js';

const all = async (src: Buffer, o: CallRecordsOptions) => {
  const out: Record<string, unknown>[] = [];
  for await (const r of readCallRecords(src, o)) out.push(r);
  return out;
};

describe('readCallRecords', () => {
  const text = Buffer.from('{"i":0}\n\n{"i":1,"media":{"mosCqe":4.4}}\r\nnot json\n5\n{"i":2}');

  it('skips blank lines, values that are not records and, when asked, lines that do not parse; the last line needs no newline', async () => {
    expect(await all(text, { malformed: 'skip' })).toEqual([{ i: 0 }, { i: 1, media: { mosCqe: 4.4 } }, { i: 2 }]);
  });

  it('parses only the lines holding `contains`', async () => {
    expect(await all(text, { contains: '"media":', malformed: 'skip' })).toEqual([{ i: 1, media: { mosCqe: 4.4 } }]);
  });

  it('throws on a line that does not parse, naming it, when asked', async () => {
    await expect(all(text, { malformed: 'throw' })).rejects.toThrow(/^calls\.jsonl line 4: /);
  });
});
