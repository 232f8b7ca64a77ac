/**
 * Bencode (BEP 3), the encoding of rtpengine's ng control protocol: byte strings, integers, lists
 * and dictionaries. Byte strings decode as latin1 strings (rtpengine's keys and values are ASCII).
 */

/** A bencode value: byte strings decode as latin1 strings (rtpengine's keys and values are ASCII). */
export type Bencode = string | number | Bencode[] | { [key: string]: Bencode };

/** Bencode `v` (BEP 3): dictionaries with their keys sorted as raw byte strings; integers only. */
export function bencode(v: Bencode): Buffer {
  const parts: Buffer[] = [];
  const walk = (x: Bencode): void => {
    if (typeof x === 'number') {
      if (!Number.isSafeInteger(x)) throw new Error(`bencode: ${x} is not an integer`);
      parts.push(Buffer.from(`i${x}e`, 'latin1'));
    } else if (typeof x === 'string') {
      const b = Buffer.from(x, 'latin1');
      parts.push(Buffer.from(`${b.length}:`, 'latin1'), b);
    } else if (Array.isArray(x)) {
      parts.push(Buffer.from('l', 'latin1'));
      for (const e of x) walk(e);
      parts.push(Buffer.from('e', 'latin1'));
    } else {
      parts.push(Buffer.from('d', 'latin1'));
      for (const k of Object.keys(x).sort((a, b) => Buffer.compare(Buffer.from(a, 'latin1'), Buffer.from(b, 'latin1')))) {
        walk(k);
        walk(x[k]!);
      }
      parts.push(Buffer.from('e', 'latin1'));
    }
  };
  walk(v);
  return Buffer.concat(parts);
}

/** Decode one bencoded value that fills `buf` exactly; throws with the offset on malformed input. */
export function bdecode(buf: Buffer): Bencode {
  let i = 0;
  const fail = (why: string): never => {
    throw new Error(`bdecode: ${why} at byte ${i}`);
  };
  const digitsUntil = (end: number): number => {
    const stop = buf.indexOf(end, i);
    if (stop < 0) fail('unterminated number');
    const text = buf.toString('latin1', i, stop);
    if (!/^(0|-?[1-9]\d*)$/.test(text)) fail(`bad number '${text}'`);
    i = stop + 1;
    return Number(text);
  };
  const value = (): Bencode => {
    if (i >= buf.length) fail('unexpected end');
    const c = buf[i]!;
    if (c === 0x69 /* i */) {
      i++;
      return digitsUntil(0x65 /* e */);
    }
    if (c === 0x6c /* l */) {
      i++;
      const out: Bencode[] = [];
      while (buf[i] !== 0x65) out.push(value());
      i++;
      return out;
    }
    if (c === 0x64 /* d */) {
      i++;
      const out: { [key: string]: Bencode } = {};
      while (buf[i] !== 0x65) {
        const k = value();
        if (typeof k !== 'string') fail('dictionary key is not a string');
        // defineProperty: a key named __proto__ is a key like any other, not the prototype.
        Object.defineProperty(out, k as string, { value: value(), enumerable: true, writable: true, configurable: true });
      }
      i++;
      return out;
    }
    if (c >= 0x30 && c <= 0x39) {
      const len = digitsUntil(0x3a /* : */);
      if (len < 0 || i + len > buf.length) fail('string runs past the end');
      const s = buf.toString('latin1', i, i + len);
      i += len;
      return s;
    }
    return fail(`unexpected byte 0x${c.toString(16)}`);
  };
  const v = value();
  if (i !== buf.length) fail('trailing bytes');
  return v;
}

