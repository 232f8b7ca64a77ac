/**
 * Prometheus remote write 1.0 (prometheus/prompb remote.proto, types.proto), the four messages it
 * takes, encoded by hand:
 *
 *   WriteRequest { repeated TimeSeries timeseries = 1; }
 *   TimeSeries   { repeated Label labels = 1; repeated Sample samples = 2; }
 *   Label        { string name = 1; string value = 2; }
 *   Sample       { double value = 1; int64 timestamp = 2; }   // timestamp: ms since the epoch
 *
 * then snappy's block format (not its framing format), as the protocol asks. Labels are sorted by
 * name with `__name__` among them, as receivers require. Fields are written in field order; a
 * length-delimited field's size is known before it is written (two passes: sizes, then bytes).
 */
import snappy from 'snappyjs';

export interface TimeSeries {
  /** Label pairs, `__name__` included; sorted by name when encoded. */
  labels: ReadonlyArray<readonly [string, string]>;
  /** [value, timestamp in ms], oldest first. */
  samples: ReadonlyArray<readonly [number, number]>;
}

const enc = new TextEncoder();

function varintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

class Writer {
  private pos = 0;
  private readonly view: DataView;
  constructor(readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  varint(n: number): void {
    // Non-negative integers up to 2^53 (sizes, ms timestamps): no 64-bit arithmetic needed.
    while (n >= 0x80) {
      this.buf[this.pos++] = (n % 128) | 0x80;
      n = Math.floor(n / 128);
    }
    this.buf[this.pos++] = n;
  }
  tag(field: number, wire: number): void {
    this.buf[this.pos++] = (field << 3) | wire;
  }
  bytes(b: Uint8Array): void {
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }
  double(v: number): void {
    this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
  }
  get length(): number {
    return this.pos;
  }
}

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LEN = 2;

interface SizedSeries {
  labels: Array<{ name: Uint8Array; value: Uint8Array; size: number }>;
  samples: ReadonlyArray<readonly [number, number]>;
  sampleSizes: number[];
  size: number;
}

const lenField = (size: number) => 1 + varintSize(size) + size;

/** The WriteRequest's protobuf bytes (uncompressed). */
export function encodeWriteRequest(series: readonly TimeSeries[]): Uint8Array {
  let total = 0;
  const sized: SizedSeries[] = series.map((ts) => {
    const labels = [...ts.labels].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([n, v]) => {
      const name = enc.encode(n);
      const value = enc.encode(v);
      return { name, value, size: lenField(name.length) + lenField(value.length) };
    });
    // A sample: its double (tag + 8 bytes) and its timestamp (tag + varint).
    const sampleSizes = ts.samples.map(([, t]) => 9 + 1 + varintSize(t));
    let size = 0;
    for (const l of labels) size += lenField(l.size);
    for (const s of sampleSizes) size += lenField(s);
    total += lenField(size);
    return { labels, samples: ts.samples, sampleSizes, size };
  });
  const w = new Writer(new Uint8Array(total));
  for (const ts of sized) {
    w.tag(1, WIRE_LEN);
    w.varint(ts.size);
    for (const l of ts.labels) {
      w.tag(1, WIRE_LEN);
      w.varint(l.size);
      w.tag(1, WIRE_LEN);
      w.varint(l.name.length);
      w.bytes(l.name);
      w.tag(2, WIRE_LEN);
      w.varint(l.value.length);
      w.bytes(l.value);
    }
    ts.samples.forEach(([v, t], i) => {
      w.tag(2, WIRE_LEN);
      w.varint(ts.sampleSizes[i]);
      w.tag(1, WIRE_FIXED64);
      w.double(v);
      w.tag(2, WIRE_VARINT);
      w.varint(t);
    });
  }
  if (w.length !== total) throw new Error(`remote write: encoded ${w.length} bytes, sized ${total}`);
  return w.buf;
}

/** The body of a remote-write POST: the WriteRequest, snappy-compressed (block format). */
export function writeRequestBody(series: readonly TimeSeries[]): Uint8Array {
  return snappy.compress(encodeWriteRequest(series));
}
