import { describe, expect, it } from 'vitest';
import { parseAck } from '../../../src/publish/uplinkMessages.js';
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
