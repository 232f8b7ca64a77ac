/**
 * Message framing for SIP over stream transports (RFC 3261 §18.3): find the
 * end of the header section, read Content-Length, wait for the whole body,
 * hand each complete message to the callback. CRLF keep-alives between
 * messages (RFC 5626 §3.5.1 "\r\n\r\n" ping, "\r\n" pong) are skipped.
 *
 * Cost is linear in the bytes pushed whatever the chunking: the header scan
 * resumes where the previous push stopped, and buffered bytes are appended
 * into a doubling buffer rather than re-concatenated on every chunk.
 */
import { SipParseError } from './message.js';

const HT = 9;
const LF = 10;
const CR = 13;
const SP = 32;
const COLON = 58;

export class StreamFramer {
  /** Bytes not yet consumed live in store[read, len). */
  private store: Buffer = Buffer.alloc(0);
  private read = 0;
  private len = 0;
  /**
   * True when `store` may be written at [len, store.length): false when it is
   * a caller's chunk, or when messages handed out are subarrays of it (those
   * bytes must never change once delivered).
   */
  private writable = false;
  /** Header scan resumes at store[read + scanned]. */
  private scanned = 0;
  /** Length of the header section (through the blank line) once found, else -1. */
  private headerBytes = -1;
  /** Total length of the current message once its Content-Length is known, else -1. */
  private messageBytes = -1;
  /** Bytes still to drop from an oversize message whose length is known. */
  private skip = 0;
  /** Stream offset of store[read], for error offsets. */
  private streamOffset = 0;

  constructor(
    private readonly onMessage: (buf: Buffer) => void,
    private readonly onError: (err: SipParseError) => void,
    private readonly maxMessageBytes = 65536,
  ) {}

  /** Number of bytes buffered and waiting for the rest of a message. */
  get buffered(): number {
    return this.len - this.read;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (this.skip > 0) {
      const n = Math.min(this.skip, chunk.length);
      this.skip -= n;
      this.streamOffset += n;
      if (n === chunk.length) return;
      chunk = chunk.subarray(n);
    }
    this.append(chunk);
    this.drain();
  }

  private append(chunk: Buffer): void {
    const pending = this.len - this.read;
    if (pending === 0) {
      // Nothing buffered: work straight from the caller's chunk, no copy.
      this.store = chunk;
      this.read = 0;
      this.len = chunk.length;
      this.writable = false;
      return;
    }
    if (this.writable && this.len + chunk.length <= this.store.length) {
      chunk.copy(this.store, this.len);
      this.len += chunk.length;
      return;
    }
    const capacity = Math.max(4096, 2 * (pending + chunk.length));
    const next = Buffer.allocUnsafe(capacity);
    this.store.copy(next, 0, this.read, this.len);
    chunk.copy(next, pending);
    this.store = next;
    this.read = 0;
    this.len = pending + chunk.length;
    this.writable = true;
  }

  private drain(): void {
    for (;;) {
      const buf = this.store;
      if (this.headerBytes < 0) {
        // Keep-alives / stray line ends between messages.
        if (this.scanned === 0) {
          while (this.read < this.len && (buf[this.read] === CR || buf[this.read] === LF)) {
            this.read++;
            this.streamOffset++;
          }
        }
        if (this.read >= this.len) {
          this.reset();
          return;
        }
        const end = this.findHeaderEnd();
        if (end < 0) {
          if (this.len - this.read > this.maxMessageBytes) {
            this.error('header section exceeds maxMessageBytes', this.streamOffset + this.maxMessageBytes);
            this.reset();
          }
          return;
        }
        this.headerBytes = end - this.read;
        const cl = this.contentLength(this.read, end);
        if (cl === -1) {
          this.error('missing Content-Length on stream transport', this.streamOffset);
          this.reset();
          return;
        }
        if (cl === -2) {
          this.error('invalid Content-Length', this.streamOffset);
          this.reset();
          return;
        }
        this.messageBytes = this.headerBytes + cl;
        if (this.messageBytes > this.maxMessageBytes) {
          this.error('message exceeds maxMessageBytes', this.streamOffset);
          // The length is known, so drop exactly this message and stay in sync.
          const available = this.len - this.read;
          this.skip = Math.max(0, this.messageBytes - available);
          this.streamOffset += Math.min(available, this.messageBytes);
          this.read += Math.min(available, this.messageBytes);
          this.headerBytes = -1;
          this.messageBytes = -1;
          this.scanned = 0;
          if (this.skip > 0) {
            this.reset();
            return;
          }
          continue;
        }
      }
      if (this.len - this.read < this.messageBytes) return;
      const start = this.read;
      const size = this.messageBytes;
      this.read += size;
      this.streamOffset += size;
      this.headerBytes = -1;
      this.messageBytes = -1;
      this.scanned = 0;
      // Delivered bytes are shared with the consumer: never write into this store again.
      this.writable = false;
      this.onMessage(buf.subarray(start, start + size));
    }
  }

  /**
   * Absolute index just past the blank line ending the header section, or -1.
   * Resumes from `scanned`; accepts CRLF CRLF and bare LF LF.
   */
  private findHeaderEnd(): number {
    const buf = this.store;
    const first = this.read;
    let i = first + this.scanned;
    const len = this.len;
    while (i < len) {
      const rel = buf.subarray(i, len).indexOf(LF);
      if (rel < 0) {
        i = len;
        break;
      }
      const lf = i + rel;
      // The line that ends at this LF is empty when the previous line ended just before it.
      if (lf - 1 >= first && buf[lf - 1] === LF) return lf + 1;
      if (lf - 2 >= first && buf[lf - 1] === CR && buf[lf - 2] === LF) return lf + 1;
      i = lf + 1;
    }
    // A blank line may straddle chunks: re-examine the last two bytes next time.
    this.scanned = Math.max(0, len - first - 2);
    return -1;
  }

  /**
   * Content-Length of the header section buf[from, to): -1 when absent, -2
   * when malformed or conflicting. Accepts 'Content-Length' and compact 'l',
   * any case, whitespace before the colon and a folded value.
   */
  private contentLength(from: number, to: number): number {
    const buf = this.store;
    let result = -1;
    // Skip the start line.
    let p = from;
    while (p < to && buf[p] !== LF) p++;
    p++;
    while (p < to) {
      const lineStart = p;
      let lf = p;
      while (lf < to && buf[lf] !== LF) lf++;
      const next = lf + 1;
      if (isContentLengthName(buf, lineStart, lf)) {
        let v = lineStart;
        while (buf[v] !== COLON) v++;
        v++;
        // Value runs to the end of the logical line (folded lines included).
        let end = lf;
        let q = next;
        while (q < to && (buf[q] === SP || buf[q] === HT)) {
          while (q < to && buf[q] !== LF) q++;
          end = q;
          q++;
        }
        let n = 0;
        let digits = 0;
        let bad = false;
        for (let k = v; k < end; k++) {
          const c = buf[k];
          if (c >= 48 && c <= 57) {
            if (digits > 0 && (buf[k - 1] < 48 || buf[k - 1] > 57)) bad = true; // "1 2"
            n = n * 10 + (c - 48);
            digits++;
          } else if (c !== SP && c !== HT && c !== CR && c !== LF) {
            bad = true;
          }
        }
        if (bad || digits === 0 || digits > 10) return -2;
        if (result >= 0 && result !== n) return -2;
        result = n;
        p = q;
        continue;
      }
      p = next;
    }
    return result;
  }

  private error(reason: string, offset: number): void {
    this.onError(new SipParseError(reason, offset));
  }

  /** Drop every buffered byte and start looking for a new message. */
  private reset(): void {
    this.streamOffset += this.len - this.read;
    this.store = Buffer.alloc(0);
    this.read = 0;
    this.len = 0;
    this.writable = false;
    this.scanned = 0;
    this.headerBytes = -1;
    this.messageBytes = -1;
  }
}

/** True when buf[s, e) is a header line named Content-Length or l (case-insensitive). */
function isContentLengthName(buf: Buffer, s: number, e: number): boolean {
  let p = s;
  const NAME = 'content-length';
  if (e - s >= NAME.length) {
    let k = 0;
    while (k < NAME.length && (buf[s + k] | 0x20) === NAME.charCodeAt(k)) k++;
    if (k === NAME.length) p = s + k;
  }
  if (p === s) {
    if ((buf[s] | 0x20) !== 0x6c) return false; // 'l'
    p = s + 1;
  }
  while (p < e && (buf[p] === SP || buf[p] === HT)) p++;
  return p < e && buf[p] === COLON;
}
