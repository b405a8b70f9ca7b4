import { describe, expect, it } from 'vitest';
import { alertRecord, decodePayload, encodeRow } from '../../../src/publish/payload.js';
import type { OutboxRow } from '../../../src/store/outboxTypes.js';
import { fingerprint, newKeyPair, parsePublicKey, publicKeyText, seal, signPayload, unseal, Verifier } from '../../../src/verify/index.js';
import { makeAlert } from '../../integration/uplink/support.js';

const A = newKeyPair();
const B = newKeyPair();
const keys = new Map([
  ['gw-a', [A.publicKey]],
  ['gw-b', [B.publicKey]],
]);
const BASE_A = 'edge/hn/c1/gw-a';
const BASE_B = 'edge/hn/c1/gw-b';

function row(seq: number, extra: Partial<OutboxRow> = {}): OutboxRow {
  const a = makeAlert(`gw-a-cam-1-${seq}`, { snapshot: '/x.jpg', data: { speed_kmh: 62.5 } });
  return { ...alertRecord(a), seq, boot: 3, createdTs: 0, replay: false, ...extra };
}

function signedAlert(seq: number, format: 'json' | 'cbor' = 'json', gw = 'gw-a', key = A.privateKey): { topic: string; payload: Buffer } {
  const r = row(seq);
  const topic = `edge/hn/c1/${gw}/${r.topic}`;
  return { topic, payload: signPayload(key, topic, encodeRow(r, false, format, gw)) };
}

describe('signature envelope', () => {
  it('round-trips JSON and CBOR bodies exactly, and still decodes for plain receivers', () => {
    for (const format of ['json', 'cbor'] as const) {
      const body = encodeRow(row(7), true, format, 'gw-a');
      const sealed = seal(body, Buffer.alloc(64, 9));
      const opened = unseal(sealed);
      expect(typeof opened).not.toBe('string');
      if (typeof opened === 'string') return;
      expect(opened.body.equals(body)).toBe(true);
      expect(opened.signature.equals(Buffer.alloc(64, 9))).toBe(true);
      expect(decodePayload(sealed, format)).toMatchObject({ q: 7, g: 'gw-a', i: 'gw-a-cam-1-7' });
    }
    const empty = unseal(seal(Buffer.from('{}'), Buffer.alloc(64, 1)));
    expect(typeof empty !== 'string' && empty.body.toString()).toBe('{}');
  });

  it('keeps a typical alert under 400 bytes signed, in JSON and CBOR', () => {
    const sizes: Record<string, number> = {};
    for (const format of ['json', 'cbor'] as const) {
      const before = encodeRow(row(1_764_000_000_123), true, format, 'gw-hn-c1-042');
      const after = signPayload(A.privateKey, 'edge/hn/c1/gw-hn-c1-042/camera/cam-1/alert/wrong_way', before);
      sizes[`${format}_before`] = before.length;
      sizes[`${format}_after`] = after.length;
      expect(after.length).toBeLessThan(400);
    }
    console.log(`signed alert sizes (bytes): ${JSON.stringify(sizes)}`);
  });

  it('prints keys as 43 characters and fingerprints as OpenSSH does; parses them back', () => {
    const text = publicKeyText(A.privateKey);
    expect(text).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(publicKeyText(parsePublicKey(text)!)).toBe(text);
    expect(parsePublicKey(`${Buffer.from(text, 'base64url').toString('base64')}`)).toBeDefined();
    expect(parsePublicKey('not a key')).toBeUndefined();
    expect(fingerprint(A.publicKey).full).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(fingerprint(A.publicKey).short).toMatch(/^[0-9a-f]{4}(-[0-9a-f]{4}){3}$/);
  });
});

describe('Verifier', () => {
  it('accepts genuine messages in JSON and CBOR and lists sequence gaps per boot', () => {
    const v = new Verifier(keys);
    for (const q of [1, 2, 3, 6]) expect(v.check(...at(signedAlert(q))).verdict).toBe('valid');
    expect(v.check(...at(signedAlert(7, 'cbor'))).verdict).toBe('valid');
    expect(v.gaps()).toEqual([{ gateway: 'gw-a', boot: 3, from: 4, to: 5 }]);
  });

  it('counts the row after an alert with p = 2 (its JPEG, unsigned) as accounted for, not as a gap', () => {
    const v = new Verifier(keys);
    const withJpeg = { ...row(10), body: JSON.stringify({ ...(JSON.parse(row(10).body) as object), p: 2 }) };
    const topic = `${BASE_A}/${withJpeg.topic}`;
    expect(v.check(topic, signPayload(A.privateKey, topic, encodeRow(withJpeg, false, 'json', 'gw-a'))).verdict).toBe('valid');
    expect(v.check(...at(signedAlert(12))).verdict).toBe('valid');
    expect(v.gaps()).toEqual([]);
    expect(v.check(...at(signedAlert(15))).verdict).toBe('valid');
    expect(v.gaps()).toEqual([{ gateway: 'gw-a', boot: 3, from: 13, to: 14 }]);
  });

  it('calls one changed payload byte altered, and a changed topic or another key not valid', () => {
    const v = new Verifier(keys);
    const m = signedAlert(1);
    for (let i = 0; i < m.payload.length - 95; i += 7) {
      const bad = Buffer.from(m.payload);
      bad[i] = bad[i]! ^ 0x01;
      expect(['altered', 'forged']).toContain(v.check(m.topic, bad).verdict);
    }
    const digit = Buffer.from(m.payload.toString().replace('"q":1,', '"q":2,'));
    expect(v.check(m.topic, digit)).toMatchObject({ verdict: 'altered', seq: 2 });
    expect(v.check(m.topic.replace('wrong_way', 'intrusion'), m.payload).verdict).toBe('altered');
    expect(v.check(...at(signedAlert(1, 'json', 'gw-a', B.privateKey))).verdict).toBe('altered');
    expect(v.check(m.topic, Buffer.from(m.payload.toString().replace(/,"sg":"[^"]+"/, ''))).verdict).toBe('forged');
    expect(v.check(m.topic.replace('gw-a', 'gw-x'), m.payload)).toMatchObject({ verdict: 'forged', reason: 'no enrolled key for this gateway' });
  });

  it('calls a genuine message under another gateway replayed, and a repeat a duplicate', () => {
    const v = new Verifier(keys);
    const m = signedAlert(5);
    expect(v.check(m.topic.replace(BASE_A, BASE_B), m.payload)).toMatchObject({ verdict: 'replayed', gateway: 'gw-b' });
    expect(v.check(m.topic, m.payload).verdict).toBe('valid');
    expect(v.check(m.topic, m.payload).verdict).toBe('duplicate');
    // Same seq, other content, validly signed (a second outbox with the same numbers): replayed.
    const other = encodeRow({ ...row(5), id: 'else', body: '{"i":"else"}' }, false, 'json', 'gw-a');
    expect(v.check(m.topic, signPayload(A.privateKey, m.topic, other)).verdict).toBe('replayed');
    expect(v.check(`${BASE_A}/state`, Buffer.from('{"state":"online"}')).verdict).toBe('skipped');
  });
});

function at(m: { topic: string; payload: Buffer }): [string, Buffer] {
  return [m.topic, m.payload];
}
