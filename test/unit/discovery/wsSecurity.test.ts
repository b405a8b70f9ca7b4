import { describe, expect, it } from 'vitest';
import { digestAuthorization, parseDigestAuthorization, parseDigestChallenge, verifyDigestAuthorization } from '../../../src/discovery/httpDigest.js';
import { checkUsernameToken, makeUsernameToken, passwordDigest, securityHeaderXml } from '../../../src/discovery/wsSecurity.js';
import { child, parseXml, text } from '../../../src/discovery/xml.js';

describe('WS-Security UsernameToken digest', () => {
  it('matches the digest of the WS-Security specification example', () => {
    // The worked example of the ONVIF Application Programmer's Guide (nonce, created, password).
    const nonce = Buffer.from('LKqI6G/AikKCQrN0zqZFlg==', 'base64');
    expect(passwordDigest(nonce, '2010-09-16T07:50:45Z', 'userpassword')).toBe('tuOSpGlFlIXsozq4HFNeeGeFLEI=');
  });

  it('stamps Created on the camera clock: our clock plus the measured offset', () => {
    const now = Date.UTC(2024, 0, 1, 12, 0, 0);
    const token = makeUsernameToken('admin', 'pw', 3_600_000, now);
    expect(token.created).toBe('2024-01-01T13:00:00.000Z');
    expect(token.digest).toBe(passwordDigest(token.nonce, token.created, 'pw'));
  });

  it('builds a header a camera can read back, and checks password and freshness', () => {
    const now = Date.UTC(2024, 0, 1, 12, 0, 0);
    const xml = `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Header>${securityHeaderXml(makeUsernameToken('admin', 'pw', 0, now))}</s:Header><s:Body/></s:Envelope>`;
    const t = child(parseXml(xml), 'Envelope', 'Header', 'Security', 'UsernameToken');
    const token = { user: text(t, 'Username')!, nonceB64: text(t, 'Nonce')!, created: text(t, 'Created')!, digest: text(t, 'Password')! };
    expect(checkUsernameToken(token, { user: 'admin', password: 'pw' }, now + 2000, 10_000)).toBe('ok');
    expect(checkUsernameToken(token, { user: 'admin', password: 'other' }, now, 10_000)).toBe('bad-password');
    expect(checkUsernameToken(token, { user: 'admin', password: 'pw' }, now + 3_600_000, 10_000)).toBe('stale');
    expect(checkUsernameToken(undefined, { user: 'admin', password: 'pw' }, now, 10_000)).toBe('missing');
  });

  it('escapes a user name with XML characters', () => {
    expect(securityHeaderXml(makeUsernameToken('a<b&"c', 'pw', 0))).toContain('<wsse:Username>a&lt;b&amp;&quot;c</wsse:Username>');
  });
});

describe('HTTP digest', () => {
  it('computes the RFC 2617 example response', () => {
    const c = parseDigestChallenge('Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"')!;
    const header = digestAuthorization(c, { method: 'GET', uri: '/dir/index.html', user: 'Mufasa', password: 'Circle Of Life', nc: 1, cnonce: '0a4f113b' });
    expect(parseDigestAuthorization(header)!['response']).toBe('6629fae49393a05397450978507c4ef1');
    expect(header).toContain('opaque="5ccc069c403ebaf9f0171e9517f40e41"');
  });

  it('verifies on the server side and rejects a wrong password', () => {
    const c = parseDigestChallenge('Digest realm="IP Camera", nonce="abc", qop="auth", algorithm=SHA-256')!;
    expect(c.algorithm).toBe('SHA-256');
    const params = parseDigestAuthorization(digestAuthorization(c, { method: 'POST', uri: '/onvif/device_service', user: 'u', password: 'p' }))!;
    expect(verifyDigestAuthorization(params, c, 'POST', 'p')).toBe(true);
    expect(verifyDigestAuthorization(params, c, 'POST', 'q')).toBe(false);
  });

  it('ignores Basic and malformed challenges', () => {
    expect(parseDigestChallenge('Basic realm="x"')).toBeUndefined();
    expect(parseDigestChallenge('Digest qop="auth"')).toBeUndefined();
    expect(parseDigestChallenge(null)).toBeUndefined();
  });
});
