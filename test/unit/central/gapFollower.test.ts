import { describe, expect, it } from 'vitest';
import { GapFollower } from '../../../src/central/gapFollower.js';
import { checkPayload, decodeBody, newKeyPair } from '../../../src/verify/index.js';

const centre = newKeyPair();
const bases = new Map([['gw-1', 'edge/hn/c1/gw-1']]);

describe('GapFollower', () => {
  it('asks after the grace time, from the lowest gap, at most once per interval and a bounded number of times', () => {
    const sent: { topic: string; payload: Buffer }[] = [];
    const f = new GapFollower(centre.privateKey, { graceMs: 1000, minIntervalMs: 5000, maxAttempts: 2 }, (topic, payload) => sent.push({ topic, payload }) > 0);
    const gaps = [
      { gateway: 'gw-1', boot: 1, from: 20, to: 21 },
      { gateway: 'gw-1', boot: 1, from: 5, to: 6 },
    ];
    expect(f.update(gaps, bases, 0)).toEqual([]);
    expect(f.update(gaps, bases, 1000)).toEqual([{ gateway: 'gw-1', sinceSeq: 5 }]);
    const check = checkPayload([centre.publicKey], sent[0]!.topic, sent[0]!.payload);
    expect(sent[0]!.topic).toBe('edge/hn/c1/gw-1/request/replay');
    expect(check.ok && decodeBody(check.body)).toMatchObject({ since_seq: 5 });
    expect(f.update(gaps, bases, 3000)).toEqual([]);
    expect(f.update(gaps, bases, 6000)).toHaveLength(1);
    expect(f.update(gaps, bases, 20_000)).toEqual([]);
    expect(f.openGaps('gw-1').map((g) => g.attempts)).toEqual([2, 2]);
    // A filled gap is forgotten.
    expect(f.update([], bases, 30_000)).toEqual([]);
    expect(f.openGaps()).toEqual([]);
  });
});
