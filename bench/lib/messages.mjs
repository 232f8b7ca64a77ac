/**
 * The two messages the parser micro-benchmark times, byte for byte as in
 * test/fixtures/rfc4475/callflows.ts (sippInvite, sipp200Invite): what a
 * call-centre load test exchanges most. Copied because bench must not import TS.
 */

function sip(head, body = '') {
  const bodyBytes = Buffer.from(body, 'latin1');
  const text = head.join('\r\n').replace('[len]', String(bodyBytes.length)) + '\r\n\r\n';
  return Buffer.concat([Buffer.from(text, 'latin1'), bodyBytes]);
}

const SDP_OFFER = [
  'v=0',
  'o=user1 53655765 2353687637 IN IP4 127.0.1.1',
  's=-',
  'c=IN IP4 127.0.1.1',
  't=0 0',
  'm=audio 6000 RTP/AVP 0',
  'a=rtpmap:0 PCMU/8000',
  '',
].join('\r\n');

const SDP_ANSWER = [
  'v=0',
  'o=- 3912345678 3912345678 IN IP4 10.20.30.40',
  's=callcentre',
  'c=IN IP4 10.20.30.40',
  't=0 0',
  'm=audio 30000 RTP/AVP 0 8 101',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-16',
  'a=ptime:20',
  'a=sendrecv',
  '',
].join('\r\n');

const VIA = 'Via: SIP/2.0/UDP 127.0.1.1:5061;branch=z9hG4bK-2731-1-0';
const FROM = 'From: sipp <sip:sipp@127.0.1.1:5061>;tag=2731SIPpTag001';
const TO = 'To: service <sip:service@127.0.0.1:5060>';
const TO_TAGGED = 'To: service <sip:service@127.0.0.1:5060>;tag=2740SIPpTag011';
const CALL_ID = 'Call-ID: 1-2731@127.0.1.1';

/** SIPp uac INVITE with an SDP offer (SIPp's padded "Content-Length:   129" kept). */
export const INVITE = sip(
  [
    'INVITE sip:service@127.0.0.1:5060 SIP/2.0',
    VIA,
    FROM,
    TO,
    CALL_ID,
    'CSeq: 1 INVITE',
    'Contact: sip:sipp@127.0.1.1:5061',
    'Max-Forwards: 70',
    'Subject: Performance Test',
    'Content-Type: application/sdp',
    'Content-Length:   [len]',
  ],
  SDP_OFFER,
);

/** 200 OK to the INVITE with an SDP answer, Record-Route, Session-Expires. */
export const OK_200_SDP = sip(
  [
    'SIP/2.0 200 OK',
    VIA,
    FROM,
    TO_TAGGED,
    CALL_ID,
    'CSeq: 1 INVITE',
    'Contact: <sip:127.0.0.1:5060;transport=UDP>',
    'Record-Route: <sip:10.0.0.1;lr;ftag=2731SIPpTag001>, <sip:10.0.0.2;lr>',
    'Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE, REFER, NOTIFY',
    'Supported: replaces, timer',
    'Session-Expires: 1800;refresher=uas',
    'Server: CallCentre-ACD/4.2',
    'Content-Type: application/sdp',
    'Content-Length: [len]',
  ],
  SDP_ANSWER,
);
