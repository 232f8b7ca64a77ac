/**
 * A minimal registration client (RFC 3261 §10): REGISTER an address of record with one
 * Contact (ours) at a registrar, answering one digest challenge (401 WWW-Authenticate or 407
 * Proxy-Authenticate, ua/digest.ts), and unregister (Expires: 0). One REGISTER is a
 * non-INVITE client transaction (transaction/transactions.ts: Timer E retransmissions on UDP,
 * Timer F → 408, §8.1.3.1); successive registrations keep the Call-ID and increment the CSeq
 * (§10.2.4). Not on the per-call hot path: a Promise per registration.
 *
 * Refreshing before expiry is the user's choice (call `register` again); responses reach it
 * through `onMessage`, which says whether the message was this registration's.
 */
import type { SipMessage } from '../message/message.js';
import type { Peer, SipTransport } from '../transport/types.js';
import { MessageBuilder, formatHostPort } from '../message/builder.js';
import { IdGenerator } from '../message/ids.js';
import { getHeader, getHeaders, headerParam } from '../message/headers.js';
import { TxKind, Transactions, type TransactionUser } from '../transaction/transactions.js';
import { Dialog } from '../dialog/dialog.js';
import { digestAuthorization, parseDigestChallenge } from './digest.js';

export interface RegistrationOptions {
  transport: SipTransport;
  /** Request-URI of the REGISTER (the registrar's domain, e.g. sip:example.com) and where it is sent. */
  registrar: { uri: string; peer: Peer };
  /** Address of record (To and From), e.g. sip:agent1@example.com. */
  aor: string;
  /** User part of our Contact. */
  contactUser: string;
  auth: { username: string; password: string } | null;
  userAgent: string;
  now: () => number;
}

export interface RegistrationResult {
  /** Final status (2xx: registered); 408 when no final response came (Timer F). */
  status: number;
  reason: string;
  /** Seconds the registrar granted our Contact (its expires parameter or Expires header); 0 when not registered. */
  expires: number;
  /** Every Contact the registrar holds for the AOR (2xx only). */
  contacts: string[];
}

class RegisterRecord extends Dialog {
  expires = 0;
  authTried = false;
  resolve: ((r: RegistrationResult) => void) | null = null;
}

export class Registration implements TransactionUser<RegisterRecord> {
  private readonly rec: RegisterRecord;
  private readonly tx: Transactions<RegisterRecord>;
  private readonly builder: MessageBuilder;
  private readonly ids: IdGenerator;

  constructor(private readonly o: RegistrationOptions) {
    const t = o.transport;
    this.ids = new IdGenerator(t.localAddress);
    this.builder = new MessageBuilder(
      { transport: t.protocol, hostPort: formatHostPort(t.localAddress, t.localPort), userAgent: o.userAgent },
      o.contactUser,
    );
    const aor = `<${o.aor}>`;
    this.rec = new RegisterRecord(this.ids.callId(), this.ids.tag(), aor, aor, o.registrar.peer);
    this.rec.cseq = 0;
    this.tx = new Transactions<RegisterRecord>(t, this, o.now);
  }

  /** Our Contact as it is registered. */
  get contact(): string {
    return this.builder.contact;
  }

  /** REGISTER our Contact for `expiresSec` (0: unregister it); resolves with the final outcome. */
  register(expiresSec: number): Promise<RegistrationResult> {
    const rec = this.rec;
    if (rec.resolve !== null) return Promise.reject(new Error('a REGISTER is already in progress'));
    rec.expires = expiresSec;
    rec.authTried = false;
    return new Promise((resolve) => {
      rec.resolve = resolve;
      this.send('');
    });
  }

  unregister(): Promise<RegistrationResult> {
    return this.register(0);
  }

  private send(authLine: string): void {
    const rec = this.rec;
    rec.cseq++;
    rec.branch = this.ids.branch();
    const extra = `Contact: ${this.builder.contact}\r\nExpires: ${rec.expires}\r\n${authLine}`;
    this.tx.request(rec, TxKind.NonInviteClient, this.builder.request('REGISTER', this.o.registrar.uri, rec.branch, rec, rec.cseq, null, extra, '', ''));
  }

  /** Hands a received message to the registration; true when it was the answer to our REGISTER. */
  onMessage(msg: SipMessage): boolean {
    const rec = this.rec;
    if (msg.isRequest || msg.callId !== rec.callId || msg.cseqMethod !== 'REGISTER') return false;
    if (rec.resolve === null || msg.cseq !== rec.cseq || msg.status < 200) return true;
    this.tx.terminate(rec);
    const status = msg.status;
    if ((status === 401 || status === 407) && this.o.auth !== null && !rec.authTried) {
      const header = getHeader(msg, status === 401 ? 'www-authenticate' : 'proxy-authenticate');
      const ch = header !== undefined ? parseDigestChallenge(header) : null;
      if (ch !== null) {
        rec.authTried = true;
        const value = digestAuthorization(ch, {
          method: 'REGISTER', uri: this.o.registrar.uri, username: this.o.auth.username, password: this.o.auth.password, nc: 1, cnonce: this.ids.cnonce(),
        });
        this.send(`${status === 401 ? 'Authorization' : 'Proxy-Authorization'}: ${value}\r\n`);
        return true;
      }
    }
    const ok = status < 300;
    const contacts = ok ? getHeaders(msg, 'contact') : [];
    this.settle({ status, reason: msg.reason, expires: ok ? this.grantedExpires(msg, contacts) : 0, contacts });
    return true;
  }

  /** Our Contact's expires parameter in the 2xx, else its Expires header, else what we asked. */
  private grantedExpires(msg: SipMessage, contacts: string[]): number {
    const ours = this.builder.contact.slice(1, this.builder.contact.indexOf('>'));
    for (const c of contacts) {
      if (!c.includes(ours)) continue;
      const p = headerParam(c, 'expires');
      if (p !== undefined && /^\d+$/.test(p)) return Number(p);
    }
    const e = getHeader(msg, 'expires');
    return e !== undefined && /^\d+$/.test(e.trim()) ? Number(e.trim()) : this.rec.expires;
  }

  /** Timer F: no final response (§8.1.3.1: as a 408). */
  transactionTimeout(rec: RegisterRecord): void {
    this.tx.terminate(rec);
    this.settle({ status: 408, reason: 'Request Timeout', expires: 0, contacts: [] });
  }

  private settle(r: RegistrationResult): void {
    const resolve = this.rec.resolve;
    this.rec.resolve = null;
    resolve?.(r);
  }

  /** Stops the timers; a REGISTER still in flight resolves as 408. */
  close(): void {
    this.tx.terminate(this.rec);
    this.tx.close();
    this.settle({ status: 408, reason: 'Request Timeout', expires: 0, contacts: [] });
  }
}
