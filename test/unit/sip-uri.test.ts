import { describe, expect, it } from 'vitest';
import { parseSipUri, sipUriUser } from '../../src/sip/message/uri.js';

describe('sip/message/uri', () => {
  it('parseSipUri: user, host, default port, transport parameter', () => {
    expect(parseSipUri('sip:ivr@10.0.0.5')).toEqual({ user: 'ivr', host: '10.0.0.5', port: 5060, transportParam: null });
    expect(parseSipUri('SIP:pbx.example.com:5080;transport=TCP')).toEqual({ user: null, host: 'pbx.example.com', port: 5080, transportParam: 'tcp' });
    expect(parseSipUri('sips:ivr@10.0.0.5')).toMatchObject({ hint: 'sips: (TLS) is not supported yet' });
    expect(parseSipUri('sip:ivr@10.0.0.5:0')).toMatchObject({ hint: 'the port must be 1 to 65535' });
    expect(parseSipUri('tel:+4930123')).toMatchObject({ hint: 'tel: URIs are not supported' });
  });

  it('sipUriUser: the user part of sip: and sips: URIs, as the flow correlation reads it', () => {
    const oracle = (u: string) => /^sips?:([^@;?]+)@/i.exec(u)?.[1] ?? '';
    const cases = [
      'sip:cc12@127.0.0.1:5070', 'SIPS:cc12@[::1]:5070', 'sip:@host', 'sip:host', 'sip:a;b@host', 'sip:a?b@host',
      'sip:u:p@host', 'sipx:u@host', 'sip', 'sip:', 'tel:u@host', 'sip:ab@', 'sIp:x@y;transport=tcp',
    ];
    for (const c of cases) expect(sipUriUser(c), c).toBe(oracle(c));
  });
});
