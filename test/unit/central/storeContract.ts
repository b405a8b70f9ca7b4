import { afterEach, describe, expect, it } from 'vitest';
import type { AlertRow, CentralStore, Received } from '../../../src/central/centralStore.js';

// One contract for every CentralStore (SQLite, PostgreSQL): the same schema, the same idempotency.
// `build` returns a fresh, empty backend; `second` another store on the same backend.

export interface StoreUnderTest {
  store: CentralStore;
  /** Another store on the same database, as a second centre instance would open it. */
  second(): CentralStore;
  dispose(): Promise<void>;
}

export function message(gateway: string, seq: number, o: { boot?: number; commune?: string; alert?: boolean; seqTo?: number; receivedTs?: number } = {}): Received {
  const boot = o.boot ?? 1;
  const commune = o.commune ?? 'c1';
  const receivedTs = o.receivedTs ?? 1_760_000_000_000 + seq;
  const m: Received = { gateway, base: `edge/hn/${commune}/${gateway}`, province: 'hn', commune, boot, seqFrom: seq, seqTo: o.seqTo ?? seq, receivedTs, ts: receivedTs - 40 };
  if (o.alert !== false) {
    const alert: AlertRow = { id: `${gateway}-${seq}`, gateway, province: 'hn', commune, camera: 'cam-1', kind: 'wrong_way', seq, boot, ts: m.ts!, receivedTs, topic: `${m.base}/camera/cam-1/alert/wrong_way`, body: JSON.stringify({ q: seq, i: `${gateway}-${seq}` }) };
    m.alert = alert;
  }
  return m;
}

export function centralStoreContract(name: string, build: () => Promise<StoreUnderTest>): void {
  describe(`CentralStore contract: ${name}`, () => {
    let t: StoreUnderTest | undefined;
    afterEach(async () => {
      await t?.dispose();
      t = undefined;
    });

    it('keeps one row per alert id however often it is committed', async () => {
      t = await build();
      const batch = [1, 2, 3].map((q) => message('gw-1', q));
      expect(await t.store.commit(batch)).toBe(3);
      expect(await t.store.commit(batch)).toBe(0);
      expect(await t.store.commit([message('gw-1', 3), message('gw-1', 4)])).toBe(1);
      const rows = await t.store.alerts({ limit: 100 });
      expect(rows.map((r) => r.id)).toEqual(['gw-1-4', 'gw-1-3', 'gw-1-2', 'gw-1-1']);
      expect(rows[0]).toMatchObject({ gateway: 'gw-1', commune: 'c1', seq: 4, boot: 1, camera: 'cam-1', kind: 'wrong_way' });
      expect(JSON.parse(rows[0]!.body)).toEqual({ q: 4, i: 'gw-1-4' });
    });

    it('two instances writing the same alerts at once keep one row each', async () => {
      t = await build();
      const other = t.second();
      await other.open();
      try {
        const batches = Array.from({ length: 10 }, (_, b) => Array.from({ length: 50 }, (_, i) => message('gw-2', b * 50 + i + 1)));
        const added = await Promise.all([...batches.map((x) => t!.store.commit(x)), ...batches.map((x) => other.commit(x))]);
        expect(added.reduce((s, n) => s + n, 0)).toBe(500);
        expect(await t.store.alerts({ limit: 1000 })).toHaveLength(500);
        expect(await t.store.gaps()).toEqual([]);
      } finally {
        await other.close();
      }
    });

    it('two instances committing copies of the same messages in opposite orders both succeed', async () => {
      // After an outage a backlog reaches every instance at once, each taking the copies in its own order.
      t = await build();
      const other = t.second();
      await other.open();
      try {
        for (let round = 0; round < 10; round++) {
          const batch = ['gw-7', 'gw-8', 'gw-9'].flatMap((g) => Array.from({ length: 30 }, (_, i) => message(g, round * 30 + i + 1)));
          const added = await Promise.all([t.store.commit(batch), other.commit([...batch].reverse())]);
          expect(added[0] + added[1]).toBe(batch.length);
        }
        expect(await t.store.alerts({ limit: 1000 })).toHaveLength(900);
        expect((await t.store.gateways()).map((g) => g.lastSeq)).toEqual([300, 300, 300]);
      } finally {
        await other.close();
      }
    });

    it('finds the gaps per gateway and boot; a dropped range fills its numbers', async () => {
      t = await build();
      await t.store.commit([1, 2, 5, 10].map((q) => message('gw-3', q)));
      await t.store.commit([message('gw-3', 7, { seqTo: 9, alert: false }), message('gw-3', 40, { boot: 2 }), message('gw-3', 42, { boot: 2 })]);
      await t.store.commit([message('gw-4', 1), message('gw-4', 3), message('gw-3', 6, { alert: false })]);
      const expected = [
        { gateway: 'gw-3', boot: 1, from: 3, to: 4 },
        { gateway: 'gw-3', boot: 2, from: 41, to: 41 },
        { gateway: 'gw-4', boot: 1, from: 2, to: 2 },
      ];
      expect(await t.store.gaps()).toEqual(expected);
      // Merging runs (1-2 from two rows; 5-10 from 5, 6, 7..9, 10) keeps the answer and removes rows.
      expect(await t.store.compact()).toBe(4);
      expect(await t.store.compact()).toBe(0);
      expect(await t.store.gaps()).toEqual(expected);
      await t.store.commit([message('gw-3', 3), message('gw-3', 4), message('gw-3', 8), message('gw-3', 11)]);
      expect(await t.store.gaps()).toEqual(expected.slice(1));
      expect(await t.store.compact()).toBe(5);
      expect(await t.store.gaps()).toEqual(expected.slice(1));
    });

    it('follows each gateway: newest sight, boot, sequence number, lag; alerts by commune', async () => {
      t = await build();
      await t.store.commit([message('gw-5', 8, { boot: 2, receivedTs: 2000 }), message('gw-6', 1, { commune: 'c9' })]);
      await t.store.commit([message('gw-5', 3, { boot: 1, receivedTs: 1000 })]);
      const gws = await t.store.gateways();
      expect(gws.map((g) => g.id)).toEqual(['gw-5', 'gw-6']);
      expect(gws[0]).toMatchObject({ base: 'edge/hn/c1/gw-5', lastSeenTs: 2000, boot: 2, lastSeq: 8, lagMs: 40 });
      expect((await t.store.alerts({ commune: 'c9', limit: 10 })).map((a) => a.id)).toEqual(['gw-6-1']);
      expect(await t.store.alerts({ gateway: 'gw-5', limit: 1 })).toHaveLength(1);
    });
  });
}
