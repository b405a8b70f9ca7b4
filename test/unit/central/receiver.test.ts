import { describe, expect, it } from 'vitest';
import type { CentralStore, Received } from '../../../src/central/centralStore.js';
import { GatewayBook } from '../../../src/central/gatewayBook.js';
import { Receiver } from '../../../src/central/receiver.js';
import { createLogger } from '../../../src/log/logger.js';
import { newKeyPair, signPayload } from '../../../src/verify/index.js';

const gw = newKeyPair();
const topic = 'edge/hn/c1/gw-1/camera/cam-1/alert/wrong_way';
const alert = (q: number) => signPayload(gw.privateKey, topic, Buffer.from(JSON.stringify({ q, bt: 1, g: 'gw-1', i: `a-${q}`, ts: 1 })));

/** A store whose commits wait until released: a database that has gone slow. */
function slowStore() {
  const waiting: (() => void)[] = [];
  const committed: Received[][] = [];
  const store = {
    commit: (batch: readonly Received[]) =>
      new Promise<number>((resolve) => {
        waiting.push(() => {
          committed.push([...batch]);
          resolve(batch.length);
        });
      }),
  } as unknown as CentralStore;
  return { store, waiting, committed };
}

describe('Receiver', () => {
  it('sheds messages unacked while the store is slow, and commits in order once it answers', async () => {
    const s = slowStore();
    const acked: number[] = [];
    const acker = { add: (_base: string, seqs: number[]) => acked.push(...seqs) };
    const r = new Receiver(new Map([['gw-1', [gw.publicKey]]]), s.store, new GatewayBook(), acker as never, { prefix: 'edge', maxMessages: 10, maxWaitMs: 1000 }, createLogger('silent'));
    for (let q = 1; q <= 400; q++) r.onMessage(topic, alert(q));
    // 20 batches of 10 wait; the rest is shed, unacked, for the gateway to send again.
    expect(r.counters.shed).toBe(200);
    expect(acked).toEqual([]);
    while (s.waiting.length > 0 || s.committed.length < 20) {
      s.waiting.shift()?.();
      await new Promise((res) => setTimeout(res, 0));
    }
    await r.flush();
    expect(s.committed.flat().map((m) => m.seqFrom)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(acked).toHaveLength(200);
    expect(r.counters.stored).toBe(200);
  });
});
