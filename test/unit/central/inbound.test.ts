import { encode as cborEncode } from 'cborg';
import { describe, expect, it } from 'vitest';
import { parseInbound } from '../../../src/central/inbound.js';
import { newKeyPair, signPayload } from '../../../src/verify/index.js';

const A = newKeyPair();
const B = newKeyPair();
const keys = new Map([
  ['gw-a', [A.publicKey]],
  ['gw-b', [B.publicKey]],
]);
const base = 'edge/hn/c1/gw-a';
const signed = (topic: string, body: object, key = A.privateKey) => signPayload(key, topic, Buffer.from(JSON.stringify(body)));
const parse = (topic: string, payload: Buffer) => parseInbound(topic, payload, keys, 'edge', 1000);

describe('parseInbound', () => {
  it('turns a signed alert into a message to commit, with its alert row', () => {
    const t = `${base}/camera/cam-1/alert/wrong_way`;
    const m = parse(t, signed(t, { q: 7, bt: 2, g: 'gw-a', i: 'x-1', c: 'cam-1', k: 'wrong_way', ts: 900 }));
    expect(m).toMatchObject({ kind: 'sequenced', message: { gateway: 'gw-a', base, commune: 'c1', boot: 2, seqFrom: 7, seqTo: 7, ts: 900, alert: { id: 'x-1', camera: 'cam-1', kind: 'wrong_way' } } });
    if (m.kind === 'sequenced') expect(JSON.parse(m.message.alert!.body)).not.toHaveProperty('sg');
  });

  it('reads CBOR bodies, health without an alert row, and dropped ranges', () => {
    const t = `${base}/camera/cam-1/count/line`;
    const cbor = signPayload(A.privateKey, t, Buffer.from(cborEncode({ q: 3, bt: 1, g: 'gw-a', i: 'c-1', k: 'count', ts: 5 })));
    expect(parse(t, cbor)).toMatchObject({ kind: 'sequenced', message: { alert: { id: 'c-1' } } });
    const h = `${base}/health`;
    const health = parse(h, signed(h, { q: 4, bt: 1, ts: 5 }));
    expect(health.kind === 'sequenced' && health.message.alert).toBeUndefined();
    const d = `${base}/alert/dropped`;
    expect(parse(d, signed(d, { q: 10, bt: 1, i: 'd', k: 'outbox_dropped', q0: 10, q1: 50 }))).toMatchObject({ message: { seqFrom: 10, seqTo: 50 } });
  });

  it('refuses what the named gateway did not sign, or signed elsewhere', () => {
    const t = `${base}/camera/cam-1/alert/wrong_way`;
    const body = { q: 1, bt: 1, g: 'gw-a', i: 'x' };
    expect(parse(t, signed(t, body, B.privateKey))).toMatchObject({ kind: 'rejected', reason: 'bad signature' });
    // gw-b's genuine message moved under gw-a's topic, and gw-b signing a body naming gw-a.
    const tb = 'edge/hn/c1/gw-b/camera/cam-1/alert/wrong_way';
    expect(parse(t, signed(tb, { ...body, g: 'gw-b' }, B.privateKey)).kind).toBe('rejected');
    expect(parse(tb, signed(tb, body, B.privateKey))).toMatchObject({ kind: 'rejected', reason: 'payload names another gateway' });
    expect(parse('edge/hn/c1/gw-x/info', Buffer.from('{}'))).toMatchObject({ kind: 'rejected', reason: 'no enrolled key for this gateway' });
    expect(parse('edge/hn/c1/gw-x/state', Buffer.from('{"state":"online"}'))).toMatchObject({ kind: 'rejected', reason: 'no enrolled key for this gateway' });
    expect(parse('other/hn/c1/gw-a/info', Buffer.from('{}'))).toMatchObject({ kind: 'rejected', reason: 'not a gateway topic' });
    expect(parse(t, Buffer.alloc(0)).kind).toBe('rejected');
  });

  it('reads the unsigned state as a hint and the signed camera status', () => {
    expect(parse(`${base}/state`, Buffer.from('{"state":"offline","boot":3}'))).toEqual({ kind: 'state', gateway: 'gw-a', base, online: false, boot: 3 });
    expect(parse(`${base}/state`, Buffer.from('{"state":"maybe"}')).kind).toBe('rejected');
    expect(parse(`${base}/state`, Buffer.alloc(0)).kind).toBe('rejected');
    const c = `${base}/camera/gate-1/status`;
    expect(parse(c, signed(c, { camera: 'gate-1', state: 'offline', error: 'stalled' }))).toEqual({ kind: 'camera', gateway: 'gw-a', base, camera: 'gate-1', online: false, error: 'stalled' });
    expect(parse(`${base}/request/replay`, Buffer.from('{}')).kind).toBe('ignored');
    expect(parse(`${base}/camera/gate-1/snapshot/x`, Buffer.from([0xff])).kind).toBe('ignored');
  });
});
