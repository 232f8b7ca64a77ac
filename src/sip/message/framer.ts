/**
 * Message framing for SIP over stream transports (RFC 3261 §18.3): find the
 * end of the header section, read Content-Length, wait for the whole body,
 * hand each complete message to the callback. CRLF keep-alives between
 * messages (RFC 5626 §3.5.1 "\r\n\r\n" ping, "\r\n" pong) are skipped.
 *
 * Cost is linear in the bytes pushed whatever the chunking: the header scan
 * resumes where the previous push stopped, and buffered bytes are appended
 * into a doubling buffer rather than re-concatenated on every chunk. A chunk
 * that arrives with nothing buffered is framed in place (messages are
 * subarrays of it, no copy).
 *
 * Errors: an oversize message with a valid Content-Length is skipped exactly
 * and framing continues. A missing/invalid Content-Length or an endless
 * header section discards what is buffered; the stream cannot be resynced
 * reliably after that, so the error is reported `fatal` and the owner should
 * close the connection. When the header section was found it is passed along
 * (`raw`), so a UAS can still answer 400/513 before closing.
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
   * True when `store` is ours and may be written at [len, store.length);
   * false while it is the caller's chunk. Delivered messages are subarrays
   * of the store below `read`, and writes only ever go at `len` or into a
   * fresh buffer, so delivered bytes never change.
   */
  private writable = false;
  /** Header scan resumes at store[read + scanned] (0: nothing of this message scanned yet). */
  private scanned = 0;
  /** Offset (from read) of the line the scan is in; -1 while still in the start line. */
  private lineStart = -1;
  /** Offsets (from read) of header lines named Content-Length / l, parsed once the section is complete. */
  private clLines: number[] = [];
  /** Length of the header section (through the blank line) once found, else -1. */
  private headerBytes = -1;
  /** Total length of the current message once its Content-Length is known, else -1. */
  private messageBytes = -1;
  /** Bytes still to drop from an oversize message whose length is known. */
  private skip = 0;
  /** Stream offset of store[read], for error offsets. */
  private streamOffset = 0;
  /**
   * Work done so far, in bytes: `scanned` counts bytes the header scan visited,
   * `copied` bytes copied into the framer's own buffer. Both stay linear in the
   * bytes pushed whatever the chunking (the unit test proves it without a clock).
   */
  readonly work = { scanned: 0, copied: 0 };

  constructor(
    private readonly onMessage: (buf: Buffer) => void,
    /**
     * `raw` is the message's header section when it is known (so a UAS can
     * salvage Via/Call-ID/CSeq/From/To and answer), `fatal` is true when the
     * stream lost sync and the connection should be closed (RFC 4475 §3.1.2.3).
     */
    private readonly onError: (err: SipParseError, raw: Buffer | undefined, fatal: boolean) => void,
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
      this.work.copied += chunk.length;
      return;
    }
    const capacity = Math.max(4096, 2 * (pending + chunk.length));
    const next = Buffer.allocUnsafe(capacity);
    this.store.copy(next, 0, this.read, this.len);
    chunk.copy(next, pending);
    // Keep the unused tail all-LF: findHeaderEnd's indexOf then stops at `len`
    // at the latest instead of wandering through uninitialised capacity.
    next.fill(LF, pending + chunk.length);
    this.work.copied += pending + chunk.length;
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
            this.error('header section exceeds maxMessageBytes', this.streamOffset + this.maxMessageBytes, undefined, true, 513);
            this.reset();
          }
          return;
        }
        this.headerBytes = end - this.read;
        const cl = this.contentLength(end);
        if (cl === -1) {
          this.error('missing Content-Length on stream transport', this.streamOffset, buf.subarray(this.read, end), true);
          this.reset();
          return;
        }
        if (cl === -2) {
          this.error('invalid Content-Length', this.streamOffset, buf.subarray(this.read, end), true);
          this.reset();
          return;
        }
        this.messageBytes = this.headerBytes + cl;
        if (this.messageBytes > this.maxMessageBytes) {
          this.error('message exceeds maxMessageBytes', this.streamOffset, buf.subarray(this.read, end), false, 513);
          // The length is known, so drop exactly this message and stay in sync.
          const available = this.len - this.read;
          this.skip = Math.max(0, this.messageBytes - available);
          this.streamOffset += Math.min(available, this.messageBytes);
          this.read += Math.min(available, this.messageBytes);
          this.startMessage();
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
      this.startMessage();
      this.onMessage(buf.subarray(start, start + size));
    }
  }

  /**
   * Absolute index just past the blank line ending the header section, or -1.
   * One pass over the lines, resumed where the previous push stopped, that
   * also notes the Content-Length lines. Accepts CRLF and bare LF.
   */
  private findHeaderEnd(): number {
    const buf = this.store;
    const first = this.read;
    const len = this.len;
    const from = first + this.scanned;
    let i = from;
    while (i < len) {
      // Safe past `len`: the store is either exactly `len` long or LF-filled beyond it.
      const lf = buf.indexOf(LF, i);
      if (lf < 0 || lf >= len) break;
      const ls = this.lineStart;
      if (ls >= 0) {
        const s = first + ls;
        if (lf === s || (lf === s + 1 && buf[s] === CR)) {
          this.work.scanned += lf + 1 - from;
          return lf + 1;
        }
        if (isContentLengthName(buf, s, lf)) this.clLines.push(ls);
      }
      this.lineStart = lf + 1 - first;
      i = lf + 1;
    }
    this.work.scanned += len - from;
    this.scanned = len - first;
    return -1;
  }

  /**
   * Content-Length of the header section ending at `end`: -1 when absent, -2
   * when malformed or conflicting. Handles 'Content-Length' and compact 'l',
   * any case, whitespace before the colon and a folded value.
   */
  private contentLength(end: number): number {
    const buf = this.store;
    let result = -1;
    for (const off of this.clLines) {
      let v = this.read + off;
      while (buf[v] !== COLON) v++;
      v++;
      // The value runs to the end of the logical line (folded lines included).
      let e = buf.indexOf(LF, v);
      while (e + 1 < end && (buf[e + 1] === SP || buf[e + 1] === HT)) e = buf.indexOf(LF, e + 1);
      let n = 0;
      let digits = 0;
      let prevDigit = false;
      for (let k = v; k < e; k++) {
        const c = buf[k];
        if (c >= 48 && c <= 57) {
          if (digits > 0 && !prevDigit) return -2; // "1 2"
          n = n * 10 + (c - 48);
          digits++;
          prevDigit = true;
        } else if (c === SP || c === HT || c === CR || c === LF) {
          prevDigit = false;
        } else {
          return -2;
        }
      }
      if (digits === 0 || digits > 10) return -2;
      if (result >= 0 && result !== n) return -2;
      result = n;
    }
    return result;
  }

  /** Forget the per-message scan state (the next byte starts a new message). */
  private startMessage(): void {
    this.headerBytes = -1;
    this.messageBytes = -1;
    this.scanned = 0;
    this.lineStart = -1;
    if (this.clLines.length > 0) this.clLines = [];
  }

  private error(reason: string, offset: number, raw: Buffer | undefined, fatal: boolean, status = 400): void {
    this.onError(new SipParseError(reason, offset, status), raw, fatal);
  }

  /** Drop every buffered byte and start looking for a new message. */
  private reset(): void {
    this.streamOffset += this.len - this.read;
    this.store = Buffer.alloc(0);
    this.read = 0;
    this.len = 0;
    this.writable = false;
    this.startMessage();
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
