/**
 * The session a call carries, behind the one hook the user agents call (RFC 3264 offer/answer):
 * the caller asks for an `offer` for its INVITE and hands the 2xx's body to `onAnswer`; the
 * answerer asks for an `answer` to the INVITE's offer; both call `end` when the call is over.
 * Transactions and dialogs never look at bodies, so voice media (RTP) plugs in here later.
 *
 * The first implementation is static SDP (`staticSdpSession`): the same G.711 body for every
 * call (message/builder.ts g711Sdp), nothing kept per call. `C` is the user agent's call record.
 */
import type { SipMessage } from '../message/message.js';

export interface SessionHook<C> {
  /** The SDP offer of an INVITE ('' for none). */
  offer(call: C): string;
  /** The SDP answer to the offer in `request` (an INVITE or re-INVITE; its body, possibly empty). */
  answer(call: C, request: SipMessage): string;
  /** The far end's answer arrived: `response` is the 2xx to our INVITE. */
  onAnswer(call: C, response: SipMessage): void;
  /** The call is over: release whatever the session holds. */
  end(call: C): void;
}

/** The same SDP body for every offer and every answer; no per-call state. */
export function staticSdpSession<C>(sdp: string): SessionHook<C> {
  return {
    offer: () => sdp,
    answer: () => sdp,
    onAnswer: () => {},
    end: () => {},
  };
}
