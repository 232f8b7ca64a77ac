/**
 * A SipTransport for unit tests: it sends nothing, and keeps what the code under test sent,
 * parsed back with the real parser (an unparseable message fails the test at once).
 */
import { parseMessage } from '../../src/sip/message/parser.js';
import { SipParseError, type SipMessage } from '../../src/sip/message/message.js';
import type { SipTransport } from '../../src/sip/transport/types.js';

export class RecordingTransport implements SipTransport {
  readonly protocol: 'udp' | 'tcp';
  readonly reliable: boolean;
  /** Each message sent, parsed, with Date.now() at the send (fake time under vi.useFakeTimers). */
  sent: Array<{ at: number; msg: SipMessage; raw: string }> = [];

  constructor(kind: 'udp' | 'tcp' = 'udp', readonly localAddress = '127.0.0.1', readonly localPort = 5999) {
    this.protocol = kind;
    this.reliable = kind === 'tcp';
  }

  async connect(): Promise<void> {}

  send(data: string): void {
    const msg = parseMessage(Buffer.from(data, 'latin1'));
    if (msg instanceof SipParseError) throw new Error(`sent unparseable SIP: ${msg.reason}\n${data}`);
    this.sent.push({ at: Date.now(), msg, raw: data });
  }

  async close(): Promise<void> {}

  /** The messages sent, in order. */
  get messages(): SipMessage[] {
    return this.sent.map((s) => s.msg);
  }

  /** Each sent message as its method (requests) or status code (responses). */
  codes(): string[] {
    return this.sent.map((s) => (s.msg.isRequest ? s.msg.method : String(s.msg.status)));
  }
}
