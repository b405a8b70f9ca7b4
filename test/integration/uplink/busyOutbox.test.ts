import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { Uplink } from '../../../src/publish/uplink.js';
import { RetryingSink } from '../../../src/store/retryingSink.js';
import { context, makeAlert, quietLog, tempDir, uplinkConfig } from './support.js';

describe('alerts raised while the outbox cannot commit', () => {
  it('are kept in order and committed once the database is free again; none is dropped', async () => {
    const dir = tempDir();
    const uplink = new Uplink(uplinkConfig(dir, undefined), context(dir), quietLog());
    await uplink.start();
    const sink = new RetryingSink(uplink, quietLog(), 100);
    // Another process holds the write lock past the busy timeout: every commit gets SQLITE_BUSY.
    const other = new Database(join(dir, 'outbox.db'));
    other.exec('BEGIN EXCLUSIVE');
    const ids = ['a-1', 'a-2', 'a-3', 'a-4'];
    for (const id of ids) sink.emit(makeAlert(id));
    expect(sink.failures).toBeGreaterThanOrEqual(1);
    expect(sink.waiting).toBe(4);

    other.exec('COMMIT');
    other.close();
    for (let i = 0; i < 200 && sink.waiting > 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(sink.waiting).toBe(0);
    const rows = new Database(join(dir, 'outbox.db'), { readonly: true }).prepare("SELECT alert_id FROM outbox WHERE class = 'alert' ORDER BY seq").all() as { alert_id: string }[];
    expect(rows.map((r) => r.alert_id)).toEqual(ids);
    await uplink.stop();
  });
});
