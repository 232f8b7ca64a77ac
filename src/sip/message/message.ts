/**
 * The parsed form of a SIP message as the hot path needs it. The lean parser
 * (parser.ts) fills only these fields; everything else stays in `headers`.
 */
export interface SipMessage {
  /** true for requests, false for responses. */
  isRequest: boolean;
  /** Request method; for responses the CSeq method. */
  method: string;
  /** Request-URI for requests, '' for responses. */
  requestUri: string;
  /** Status code for responses, 0 for requests. */
  status: number;
  /** Reason phrase for responses, '' for requests. */
  reason: string;
  /**
   * Every header in order as a flat array [name, value, name, value, ...].
   * Names are lowercased long forms ('v' -> 'via', 'i' -> 'call-id'); values are
   * trimmed and unfolded (line folding replaced by one space). A header line with
   * comma-separated values stays one entry; use headerValues() to split.
   */
  headers: string[];
  callId: string;
  cseq: number;
  cseqMethod: string;
  fromTag: string;
  toTag: string;
  /** branch parameter of the topmost Via, '' when absent. */
  viaBranch: string;
  /** Content-Length as declared (0 when absent on UDP). */
  contentLength: number;
  /** The body bytes (length === contentLength, or the remaining datagram on UDP without Content-Length). */
  body: Buffer;
}

/** Returned, never thrown, for bytes that are not a SIP message we can use. */
export class SipParseError {
  constructor(
    readonly reason: string,
    /** Byte offset where parsing gave up. */
    readonly offset: number,
    /**
     * The status a UAS answers a request with when this is all that is wrong
     * (RFC 3261 §8.2: 400 for syntax, 505 for an unsupported version, 513 for
     * an oversize message), if its Via, Call-ID, CSeq, From and To can be salvaged.
     */
    readonly status: number = 400,
  ) {}
}
