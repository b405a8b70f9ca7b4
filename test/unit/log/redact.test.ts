import { afterEach, describe, expect, it } from 'vitest';
import { redactUri } from '../../../src/errors.js';
import { forgetSecrets, rememberSecret, rememberUriSecrets, scrubSecrets } from '../../../src/log/redact.js';
import { fuzzInputs, fuzzSeed, Rng, BAD_URLS } from '../../helpers/fuzz.js';

afterEach(() => forgetSecrets());

describe('redactUri', () => {
  it.each([
    ['rtsp://admin:s3cret@10.0.0.5/stream2', 'rtsp://***@10.0.0.5/stream2', 's3cret'],
    // A password with '/' or '@' typed as is: the old pattern stopped at the first of them.
    ['rtsp://user:p@ss/w@host/x', 'rtsp://***@host/x', 'p@ss/w'],
    ['rtsp://user:a/b@cam.local:554/Streaming/Channels/102', 'rtsp://***@cam.local:554/Streaming/Channels/102', 'a/b'],
    ['rtsp://user:p%40ss%2Fw@host/x', 'rtsp://***@host/x', 'p%40ss'],
    ['mqtts://gw:pa:ss@broker:8883', 'mqtts://***@broker:8883', 'pa:ss'],
    ['rtsp://in:cp', 'rtsp://in:cp', undefined],
    ['file:///var/video/gate@night.mp4', 'file:///var/video/gate@night.mp4', undefined],
  ])('%s', (input, expected, secret) => {
    const out = redactUri(input);
    expect(out).toBe(expected);
    if (secret) expect(out).not.toContain(secret);
  });

  it('redacts URIs inside free text, as GStreamer and mqtt.js quote them', () => {
    const text = 'camera cam-1: Could not open resource for reading (rtsp://admin:x/y@z@10.0.0.5/s). Unauthorized, uri=rtsp://u:pw@h/';
    const out = redactUri(text);
    expect(out).toBe('camera cam-1: Could not open resource for reading (rtsp://***@10.0.0.5/s). Unauthorized, uri=rtsp://***@h/');
  });

  it('is safe on strings that are not URIs, or are malformed', () => {
    for (const s of [...BAD_URLS, '', 'plain text', '://', 'a://', '@@@', 'x://@', 'rtsp://@', '\u0000rtsp://a:b@c']) {
      expect(() => redactUri(s)).not.toThrow();
    }
    const rng = new Rng(fuzzSeed('redact'));
    let n = 0;
    for (const input of fuzzInputs(rng, ['rtsp://user:p@ss/w@host:554/x?y=1#z', 'mqtt://a:b@[::1]:1883'], 10_000)) {
      const s = input.toString('utf8');
      const out = redactUri(s);
      // Whatever the input, the part between :// and the last @ never survives.
      const m = /^([a-z][a-z0-9+.-]*:\/\/)[^\s"'<>`]*@/i.exec(s);
      if (m && m[1]!.toLowerCase() !== 'file://') expect(out.startsWith(`${m[1]}***@`), `${s} -> ${out}`).toBe(true);
      n++;
    }
    expect(n).toBe(10_000);
  });
});

describe('remembered secrets', () => {
  it('are masked in free text in every form they take', () => {
    const pw = 'p@ss/w #1 ?é';
    rememberSecret(pw);
    for (const form of [pw, encodeURIComponent(pw), JSON.stringify(pw).slice(1, -1)]) {
      expect(scrubSecrets(`error: ${form} refused`)).toBe('error: *** refused');
    }
    // The URL parser's own encoding of a password (used by mqtt.js and GStreamer's URI handling).
    const u = new URL('rtsp://h/');
    u.password = pw;
    expect(redactUri(`gave up on ${u.password} after 3 tries`)).not.toContain(u.password);
  });

  it('come from the userinfo of a URI, encoded or not', () => {
    rememberUriSecrets('rtsp://admin:Zx%40y%2F9q@10.0.0.5/s');
    expect(scrubSecrets('Zx@y/9q and Zx%40y%2F9q')).toBe('*** and ***');
  });
});
