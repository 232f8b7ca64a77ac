/**
 * Test-only PDF surgery: what someone editing a report by hand would do.
 * Replaces one stream object's data (fixing /Length) and rebuilds the
 * classic xref table so poppler reads the result as a normal PDF.
 */
import { deflateSync } from 'node:zlib';

export function replaceStream(pdf: Buffer, objNum: number, data: Buffer, compress = true): Buffer {
  const s = pdf.toString('latin1');
  const head = new RegExp(`(^|\\n)${objNum} 0 obj\\s*`).exec(s);
  if (head === null) throw new Error(`object ${objNum} not found`);
  const start = head.index + head[0].length;
  const streamKw = s.indexOf('stream', start);
  const dict = s.slice(start, streamKw);
  const len = Number(/\/Length (\d+)/.exec(dict)![1]);
  const dataStart = streamKw + 'stream'.length + (s[streamKw + 6] === '\r' ? 2 : 1);
  const body = compress ? deflateSync(data) : data;
  const newDict = dict.replace(/\/Length \d+/, `/Length ${body.length}`).replace(compress ? /$^/ : /\/Filter\s*\/FlateDecode\s*/, '');
  const out = Buffer.concat([
    pdf.subarray(0, start),
    Buffer.from(newDict, 'latin1'),
    pdf.subarray(streamKw, dataStart),
    body,
    pdf.subarray(dataStart + len),
  ]);
  return rebuildXref(out);
}

/** Rewrites the last xref table and startxref from the objects' actual offsets. */
export function rebuildXref(pdf: Buffer): Buffer {
  const s = pdf.toString('latin1');
  const xrefAt = s.lastIndexOf('\nxref\n') + 1;
  const trailerAt = s.indexOf('trailer', xrefAt);
  const offsets = new Map<number, number>();
  for (const m of s.slice(0, xrefAt).matchAll(/(^|\n)(\d+) 0 obj/g)) offsets.set(Number(m[2]), m.index + m[1].length);
  const size = Math.max(...offsets.keys()) + 1;
  let table = `xref\n0 ${size}\n0000000000 65535 f \n`;
  for (let i = 1; i < size; i++) {
    const o = offsets.get(i);
    table += o === undefined ? '0000000000 65535 f \n' : `${String(o).padStart(10, '0')} 00000 n \n`;
  }
  const trailer = s.slice(trailerAt).replace(/startxref\s+\d+/, `startxref\n${xrefAt}`);
  return Buffer.concat([pdf.subarray(0, xrefAt), Buffer.from(table + trailer, 'latin1')]);
}
