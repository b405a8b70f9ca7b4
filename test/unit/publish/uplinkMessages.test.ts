import { describe, expect, it } from 'vitest';
import { parseAck } from '../../../src/publish/uplinkMessages.js';
import { topicLevel } from '../../../src/publish/topics.js';

describe('end-to-end acks from the network', () => {
  it('refuses an oversized ack before parsing it, and malformed ones', () => {
    const big = Buffer.from(JSON.stringify({ seqs: Array.from({ length: 60_000 }, (_, i) => i) }));
    expect(big.length).toBeGreaterThan(256 * 1024);
    expect(parseAck(big)).toBeUndefined();
    for (const bad of ['', 'null', '[]', '{"seqs":[1,"2"]}', '{"seqs":[-1]}', '{"up_to":1.5}', '{"seqs":[1e400]}', '['.repeat(100_000)]) {
      expect(parseAck(Buffer.from(bad))).toBeUndefined();
    }
    expect(parseAck(Buffer.from('{"seqs":[1,2],"up_to":3}'))).toEqual({ seqs: [1, 2], upTo: 3 });
  });
});

describe('topic levels from the network', () => {
  it('carry no wildcard, separator or control character, and are bounded', () => {
    expect(topicLevel('a/b+c#d\u0000e\nf\u007fg')).toBe('a_b_c_d_e_f_g');
    expect(topicLevel('x'.repeat(70_000))).toHaveLength(1024);
    expect(topicLevel('')).toBe('_');
  });
});
