import { closeSync, existsSync, openSync, readdirSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { droppedRecord } from '../../../src/publish/payload.js';
import { Outbox } from '../../../src/store/outbox.js';
import type { OutboxRecord } from '../../../src/store/outboxTypes.js';
import type { AlertClass } from '../../../src/types.js';
import { outboxConfig, quietLog, tempDir } from '../../integration/uplink/support.js';

let dir: string;
let clock: number;
const open: Outbox[] = [];

function outbox(extra: Record<string, unknown> = {}): Outbox {
  const ob = new Outbox(join(dir, 'outbox.db'), outboxConfig(dir, extra), (d) => droppedRecord('gw', d), quietLog(), () => clock);
  ob.open();
  open.push(ob);
  return ob;
}

function rec(id: string, cls: AlertClass = 'alert', body = '{"x":1}'): OutboxRecord {
  return { id, class: cls, ts: clock, topic: `camera/c/alert/${cls}`, body };
}

const all = (ob: Outbox) => ob.pending(0, Number.MAX_SAFE_INTEGER, 1_000_000);

beforeEach(() => {
  dir = tempDir('outbox-');
  clock = 1_760_000_000_000;
});
afterEach(() => {
  open.splice(0).forEach((o) => o.close());
  rmSync(dir, { recursive: true, force: true });
});

describe('outbox', () => {
  it('returns pending rows in sequence order with class, boot and the stored body', () => {
    const ob = outbox();
    ['a', 'b', 'c'].forEach((id) => ob.insert(rec(id)));
    ob.insert(rec('h', 'health'));
    const rows = all(ob);
    expect(rows.map((r) => r.id)).toEqual(['a', 'b', 'c', 'h']);
    expect(rows.map((r) => r.seq)).toEqual([1, 2, 3, 4]);
    expect(rows[3]).toMatchObject({ class: 'health', boot: 1, body: '{"x":1}', replay: false });
    expect(ob.pending(1, 4, 10).map((r) => r.id)).toEqual(['b', 'c']);
  });

  it('keeps sequence numbers growing across reopen and deletes, and counts boots', () => {
    let ob = outbox({ retainDeliveredS: 0 });
    ob.insert(rec('a'));
    ob.insert(rec('b'));
    ob.markPublished(all(ob).map((r) => ({ seq: r.seq, id: r.id })), false);
    expect(ob.depth()).toBe(0);
    ob.close();
    ob = outbox({ retainDeliveredS: 0 });
    expect(ob.boot).toBe(2);
    expect(ob.insert(rec('c'))).toBe(3);
    expect(all(ob)[0]).toMatchObject({ id: 'c', boot: 2 });
  });

  it('marks rows sent with an end-to-end ack, acks them, and re-queues unacked ones after a timeout', () => {
    const ob = outbox();
    ['a', 'b', 'c'].forEach((id) => ob.insert(rec(id)));
    ob.markPublished(all(ob).map((r) => ({ seq: r.seq, id: r.id })), true);
    expect(all(ob)).toEqual([]);
    expect(ob.status().classes.alert.sent).toBe(3);
    expect(ob.ack({ seqs: [1] })).toBe(1);
    clock += 10_000;
    expect(ob.requeueUnacked(clock - 5_000)).toBe(2);
    expect(all(ob).map((r) => [r.id, r.replay])).toEqual([['b', true], ['c', true]]);
    ob.markPublished(all(ob).map((r) => ({ seq: r.seq, id: r.id })), true);
    expect(ob.ack({ upTo: 3 })).toBe(2);
    expect(ob.depth()).toBe(0);
  });

  it('keeps delivered rows for replay and re-queues them by sequence or time', () => {
    const ob = outbox({ retainDeliveredS: 3600 });
    ['a', 'b', 'c'].forEach((id) => {
      ob.insert(rec(id));
      clock += 1000;
    });
    ob.markPublished(all(ob).map((r) => ({ seq: r.seq, id: r.id })), false);
    expect(ob.status().classes.alert.delivered).toBe(3);
    expect(ob.replay({ seq: 2 })).toBe(2);
    expect(all(ob).map((r) => r.id)).toEqual(['b', 'c']);
    ob.markPublished(all(ob).map((r) => ({ seq: r.seq, id: r.id })), false);
    expect(ob.replay({ ts: 1_760_000_002_000 })).toBe(1);
    clock += 3_601_000;
    ob.maintain();
    expect(ob.status().classes.alert.delivered).toBe(0);
  });

  it('stores a sealed payload made with the row\'s own sequence number, and counts its bytes', () => {
    const ob = outbox();
    ob.insert(rec('plain'));
    const before = ob.status().classes.alert.bytes;
    ob.sealWith({ id: 'sealer-1', seal: (r) => Buffer.from(`sealed:${r.seq}:${r.boot}:${r.id}`) });
    ob.insert(rec('a'));
    ob.insert(rec('s', 'snapshot'));
    ob.insert(rec('b'));
    const rows = all(ob);
    expect(rows.map((r) => [r.id, r.seq, r.sealed?.toString(), r.sealedBy])).toEqual([
      ['plain', 1, undefined, undefined],
      ['a', 2, 'sealed:2:1:a', 'sealer-1'],
      ['s', 3, undefined, undefined],
      ['b', 4, 'sealed:4:1:b', 'sealer-1'],
    ]);
    expect(ob.status().classes.alert.bytes - before).toBe(2 * before + 'sealed:2:1:a'.length + 'sealed:4:1:b'.length);
    expect(ob.findByAlertId('b')?.sealed?.toString()).toBe('sealed:4:1:b');
  });

  it('reads a backlog row sealed by the sealer asked for as its payload alone, any other row whole', () => {
    const ob = outbox();
    ob.insert(rec('plain'));
    ob.sealWith({ id: 'sealer-1', seal: (r) => Buffer.from(`sealed:${r.seq}`) });
    ob.insert(rec('a'));
    ob.insert(rec('s', 'snapshot'));
    const shape = (rows: ReturnType<Outbox['backlog']>) => rows.map((r) => [r.id, r.seq, r.body === undefined ? r.sealed.toString() : 'body', r.topic, r.replay]);
    expect(shape(ob.backlog(0, 10, 10, 'sealer-1'))).toEqual([
      ['plain', 1, 'body', 'camera/c/alert/alert', false],
      ['a', 2, 'sealed:2', 'camera/c/alert/alert', false],
      ['s', 3, 'body', 'camera/c/alert/snapshot', false],
    ]);
    // Another key or format: every row whole, to be signed afresh.
    expect(shape(ob.backlog(0, 10, 10, 'sealer-2')).map((r) => r[2])).toEqual(['body', 'body', 'body']);
    // The same bounds as pending: after, before, limit.
    expect(ob.backlog(1, 3, 10, 'sealer-1').map((r) => r.id)).toEqual(['a']);
    expect(ob.backlog(0, 10, 1, 'sealer-1').map((r) => r.id)).toEqual(['plain']);
    expect(ob.backlog(3, 10, 10, 'sealer-1')).toEqual([]);
  });

  it('reads binary sealed payloads (CBOR) byte for byte, each its own length, whatever they contain', () => {
    const ob = outbox();
    // Zero bytes, invalid UTF-8, lengths from 1 to 300: a page of payloads goes through one buffer.
    const payload = (seq: number) => Buffer.from(Array.from({ length: 1 + ((seq * 37) % 300) }, (_, i) => (seq * 7 + i * 13) % 256));
    ob.sealWith({ id: 'cbor', seal: (r) => payload(r.seq) });
    for (let i = 0; i < 40; i++) ob.insert(rec(`r${i}`, i % 10 === 3 ? 'snapshot' : 'alert'));
    const rows = ob.backlog(0, 100, 256, 'cbor');
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    for (const r of rows) {
      if (r.class === 'snapshot') expect(r.body).toBeDefined();
      else expect(Buffer.compare(r.sealed!, payload(r.seq)), `row ${r.seq}`).toBe(0);
    }
  });

  it('records PUBACKs in the background, and says when they are all committed', async () => {
    const ob = outbox({ retainDeliveredS: 0 });
    ['a', 'b', 'c'].forEach((id) => ob.insert(rec(id)));
    ob.markInBackground();
    ob.markPublished(all(ob).slice(0, 2).map((r) => ({ seq: r.seq, id: r.id })), false);
    ob.markPublished([{ seq: 3, id: 'someone-else', summary: true }], false);
    await ob.settleMarks();
    expect(ob.marksSettled).toBe(true);
    expect(all(ob).map((r) => r.id)).toEqual(['c']);
    expect(ob.depth()).toBe(1);
    await ob.stopMarking();
    // After the worker is gone, marks are committed on the main connection again.
    ob.markPublished([{ seq: 3, id: 'c' }], false);
    expect(ob.depth()).toBe(0);
  });

  it('ignores a PUBACK for a sequence number now held by a summary row, and marks the summary by its own', () => {
    const ob = outbox({ retainDeliveredS: 0, limits: { alert: { maxRows: 4 } } });
    for (let i = 0; i < 10; i++) ob.insert({ ...rec(`a${i}`), ts: 1000 + i });
    // a0..a6 were in flight when the limit replaced them by one summary at a0's sequence number.
    const summary = all(ob)[0]!;
    expect(summary.seq).toBe(1);
    ob.markPublished([0, 1, 2, 3, 4, 5, 6].map((i) => ({ seq: i + 1, id: `a${i}` })), false);
    expect(all(ob).map((r) => r.id)).toEqual([summary.id, 'a7', 'a8', 'a9']);
    ob.markPublished([{ seq: 1, id: 'someone-else', summary: true }], false);
    expect(all(ob)).toHaveLength(4);
    ob.markPublished([{ seq: 1, id: summary.id, summary: true }], false);
    expect(all(ob).map((r) => r.id)).toEqual(['a7', 'a8', 'a9']);
  });

  it('marks PUBACKs in any order and with gaps, and only those rows', () => {
    const ob = outbox({ retainDeliveredS: 0 });
    for (let i = 0; i < 8; i++) ob.insert(rec(`r${i}`));
    ob.markPublished([5, 1, 2, 7, 3].map((seq) => ({ seq, id: `r${seq - 1}` })), false);
    expect(all(ob).map((r) => r.seq)).toEqual([4, 6, 8]);
    expect(ob.depth()).toBe(3);
  });

  it('drops health rows oldest first at the row limit, and counts the evictions', () => {
    const ob = outbox({ limits: { health: { maxRows: 3 } } });
    for (let i = 0; i < 5; i++) ob.insert(rec(`h${i}`, 'health'));
    expect(all(ob).map((r) => r.id)).toEqual(['h2', 'h3', 'h4']);
    expect(ob.status().classes.health.evictedRows).toBe(2);
  });

  it('replaces evicted alerts by one summary row saying how many and when', () => {
    const ob = outbox({ limits: { alert: { maxRows: 4 } } });
    for (let i = 0; i < 10; i++) {
      ob.insert({ ...rec(`a${i}`), ts: 1000 + i });
    }
    const rows = all(ob);
    expect(rows).toHaveLength(4);
    const summary = JSON.parse(rows[0]!.body) as Record<string, number | string>;
    expect(summary).toMatchObject({ k: 'outbox_dropped', n: 7, f: 1000, u: 1006 });
    expect(rows[0]!.seq).toBe(1);
    expect(rows.slice(1).map((r) => r.id)).toEqual(['a7', 'a8', 'a9']);
    expect(ob.status().classes.alert.evictedRows).toBe(7);
  });

  it('evicts by bytes per class, alerts last', () => {
    const ob = outbox({ limits: { count: { maxMb: 0.001 } } });
    const big = JSON.stringify({ pad: 'x'.repeat(300) });
    for (let i = 0; i < 10; i++) ob.insert(rec(`c${i}`, 'count', big));
    ob.insert(rec('alert-1'));
    const st = ob.status();
    expect(st.classes.count.bytes).toBeLessThanOrEqual(1000);
    expect(st.classes.count.evictedRows).toBeGreaterThan(0);
    expect(st.classes.alert.pending).toBe(1);
  });

  it('evicts rows older than the age limit', () => {
    const ob = outbox({ limits: { health: { maxAgeS: 60 } } });
    ob.insert(rec('old', 'health'));
    clock += 61_000;
    ob.insert(rec('new', 'health'));
    const events = ob.maintain();
    expect(events).toMatchObject([{ class: 'health', reason: 'age', rows: 1 }]);
    expect(all(ob).map((r) => r.id)).toEqual(['new']);
  });

  it('handles SQLITE_FULL by evicting lower classes first, then summarising alerts', () => {
    const ob = outbox({ maxDbMb: 0.3 });
    const pad = JSON.stringify({ pad: 'y'.repeat(2000) });
    for (let i = 0; i < 60; i++) ob.insert(rec(`h${i}`, 'health', pad));
    for (let i = 0; i < 400; i++) expect(ob.insert(rec(`a${i}`, 'alert', pad))).toBeGreaterThan(0);
    const st = ob.status();
    expect(st.classes.health.pending).toBe(0);
    expect(st.classes.health.evictedRows).toBe(60);
    expect(st.classes.alert.evictedRows).toBeGreaterThan(0);
    const rows = all(ob);
    expect(rows.at(-1)!.id).toBe('a399');
    expect(rows.some((r) => r.body.includes('outbox_dropped'))).toBe(true);
  });

  it('moves a corrupt database file aside and starts a fresh one with higher sequence numbers', () => {
    const path = join(dir, 'outbox.db');
    writeFileSync(path, Buffer.alloc(8192, 0x5a));
    const ob = outbox();
    expect(readdirSync(dir).some((f) => f.startsWith('outbox.db.corrupt-'))).toBe(true);
    expect(existsSync(path)).toBe(true);
    expect(ob.insert(rec('a'))).toBeGreaterThan(clock);
  });

  it('moves aside a database damaged in its pages, not only in its header', () => {
    let ob = outbox();
    for (let i = 0; i < 500; i++) ob.insert(rec(`a${i}`, 'alert', JSON.stringify({ pad: 'z'.repeat(200) })));
    ob.close();
    const path = join(dir, 'outbox.db');
    const garbage = Buffer.alloc(4096 * 6, 0xa5);
    const f = openSync(path, 'r+');
    writeSync(f, garbage, 0, garbage.length, 4096 * 2);
    closeSync(f);
    ob = outbox();
    expect(readdirSync(dir).some((n) => n.startsWith('outbox.db.corrupt-'))).toBe(true);
    expect(ob.depth()).toBe(0);
  });
});
