import { describe, expect, it } from 'vitest';
import { SignedInbox } from '../../../src/publish/signedInbox.js';
import { admitAck, MAX_ACK_BYTES, parseAck } from '../../../src/publish/uplinkMessages.js';
import { newKeyPair, signAck } from '../../../src/verify/keys.js';
import { CENTRE_KEYS } from '../../helpers/keys.js';
import { BASE, centreAck } from '../../integration/uplink/support.js';
import { topicLevel } from '../../../src/publish/topics.js';

describe('end-to-end acks from the network', () => {
  it('refuses malformed ack bodies', () => {
    for (const bad of ['{}', '{"seqs":[1,"2"]}', '{"seqs":[-1]}', '{"up_to":1.5}', '{"seqs":[1e400]}', '{"seqs":{}}']) {
      expect(parseAck(JSON.parse(bad) as Record<string, unknown>)).toBeUndefined();
    }
    expect(parseAck({ seqs: [1, 2], up_to: 3 })).toEqual({ seqs: [1, 2], upTo: 3 });
  });
});

describe('topic levels from the network', () => {
  it('carry no wildcard, separator or control character, and are bounded', () => {
    expect(topicLevel('a/b+c#d\u0000e\nf\u007fg')).toBe('a_b_c_d_e_f_g');
    expect(topicLevel('x'.repeat(70_000))).toHaveLength(1024);
    expect(topicLevel('')).toBe('_');
  });
});

describe('admitAck: the gate for the centre end-to-end ack', () => {
  const inbox = () => new SignedInbox(CENTRE_KEYS.publicKey, 300_000);
  const topic = `${BASE}/ack`;

  it('refuses oversized, retained, unsigned, foreign and replayed acks; cuts the rest to what was sent', () => {
    const gate = inbox();
    expect(admitAck(gate, topic, Buffer.alloc(MAX_ACK_BYTES + 1, 0x20), false, 10)).toEqual({ refused: expect.stringMatching(/refused unread/) });
    expect(admitAck(gate, topic, centreAck({ up_to: 3 }), true, 10)).toEqual({ refused: 'retained end-to-end ack ignored' });
    expect(admitAck(gate, topic, Buffer.from('{"up_to":9007199254740991}'), false, 10)).toMatchObject({ reason: expect.stringMatching(/unsigned/) });
    expect(admitAck(gate, topic, signAck(newKeyPair().privateKey, BASE, { up_to: 3 }), false, 10)).toMatchObject({ reason: expect.stringMatching(/bad signature/) });
    const ack = centreAck({ seqs: [2, 9, 11, 12], up_to: 9_007_199_254_740_991 });
    expect(admitAck(gate, topic, ack, false, 10)).toEqual({ ack: { seqs: [2, 9], upTo: 10 }, beyondSent: true });
    expect(admitAck(gate, topic, ack, false, 10)).toMatchObject({ reason: expect.stringMatching(/replayed/) });
    expect(admitAck(gate, topic, centreAck({ seqs: [1] }), false, 10)).toEqual({ ack: { seqs: [1] }, beyondSent: false });
  });

  it('remembers nonces for the window only', () => {
    const gate = new SignedInbox(CENTRE_KEYS.publicKey, 1000);
    const t0 = Date.now();
    const ack = centreAck({ seqs: [1] }, BASE, t0);
    expect(gate.open(topic, ack, t0)).toEqual({ seqs: [1] });
    expect(gate.open(topic, ack, t0 + 500)).toMatch(/replayed/);
    expect(gate.open(topic, ack, t0 + 1500)).toMatch(/stale/);
    expect(gate.open(topic, centreAck({ seqs: [2] }, BASE, t0 + 2000), t0 + 2000)).toEqual({ seqs: [2] });
    expect((gate as unknown as { nonces: Map<string, number> }).nonces.size).toBe(1);
  });
});
