/**
 * A dialog (RFC 3261 §12) as a per-call record: Call-ID and tags, the local CSeq, the route
 * set, the remote target and the next hop. The record also carries its transaction slot
 * (transaction/transactions.ts), flat, so one call is one object; the user agents
 * (ua/caller.ts, ua/answerer.ts) extend it with their call state.
 */
import type { SipMessage } from '../message/message.js';
import type { DialogIds } from '../message/builder.js';
import type { Interner } from '../message/interner.js';
import type { Peer } from '../transport/types.js';
import { getHeader, getHeaders, nameAddrUri } from '../message/headers.js';
import { TransactionSlot } from '../transaction/transactions.js';

export class Dialog extends TransactionSlot implements DialogIds {
  /** '' until the far end's tag is known. */
  remoteTag = '';
  /** CSeq number of our last request in this dialog (§12.2.1.1). */
  cseq = 1;
  /** Route header values in the order they are sent; null: none (§12.1.1, §12.1.2). */
  routes: string[] | null = null;
  /** Request-URI of in-dialog requests: the far end's Contact (§12.1). */
  remoteTarget = '';

  constructor(
    readonly callId: string,
    readonly localTag: string,
    /** name-addr of the local party, without tag. */
    public localUri: string,
    /** name-addr of the remote party, without tag. */
    public remoteUri: string,
    /** Where this dialog's requests and responses go. */
    public peer: Peer,
  ) {
    super();
  }
}

/**
 * UAC side (§12.1.2): the dialog a 2xx to our INVITE establishes — remote tag from To, route
 * set from Record-Route in reverse, remote target from Contact (else `fallbackTarget`), the
 * strings shared through `interner` (through one proxy every call carries the same ones).
 */
export function establishAsCaller(d: Dialog, msg: SipMessage, interner: Interner, fallbackTarget: string): void {
  d.remoteTag = msg.toTag;
  const rr = getHeaders(msg, 'record-route');
  if (rr.length > 0) d.routes = interner.routes(rr.reverse());
  const contact = getHeader(msg, 'contact');
  d.remoteTarget = interner.get(contact !== undefined ? nameAddrUri(contact) : fallbackTarget);
}

/** UAS side (§12.1.1): route set from the INVITE's Record-Route in order, remote target from its Contact (else its Request-URI). */
export function establishAsCallee(d: Dialog, invite: SipMessage): void {
  const rr = getHeaders(invite, 'record-route');
  d.routes = rr.length > 0 ? rr : null;
  const contact = getHeader(invite, 'contact');
  d.remoteTarget = contact !== undefined ? nameAddrUri(contact) : invite.requestUri;
}

/** A From/To value without its tag parameter: the name-addr a dialog keeps (`<sip:a@b>;tag=x` → `<sip:a@b>`). */
export function stripTag(nameAddr: string): string {
  const i = nameAddr.search(/;\s*tag=/i);
  return i >= 0 ? nameAddr.slice(0, i) : nameAddr;
}
