import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { droppedRecord } from '../../../src/publish/payload.js';
import { MAX_MARKS_BEHIND, Publisher, type PublishLink } from '../../../src/publish/publisher.js';
import { payloadSealer } from '../../../src/publish/sealer.js';
import { Outbox } from '../../../src/store/outbox.js';
import { newKeyPair } from '../../../src/verify/keys.js';
import { outboxConfig, quietLog, tempDir, waitFor } from '../../integration/uplink/support.js';

// A broker that acks every publish on the next turn of the event loop.
class AckingLink implements PublishLink {
  readonly connected = true;
  published = 0;
  publish(_topic: string, _payload: Buffer, _qos: 0 | 1, _retain: boolean, done?: (err?: Error) => void): boolean {
    this.published++;
    setImmediate(() => done?.());
    return true;
  }
}

const ROWS = 30_000;
let dir: string;
let ob: Outbox;

beforeEach(() => {
  dir = tempDir('publisher-');
  ob = new Outbox(join(dir, 'outbox.db'), outboxConfig(dir, { retainDeliveredS: 0 }), (d) => droppedRecord('gw', d), quietLog());
  ob.open();
});

afterEach(async () => {
  await ob.stopMarking();
  ob.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Nice values of this process's threads (field 19 of /proc/<pid>/task/<tid>/stat). */
function threadNices(): number[] {
  return readdirSync('/proc/self/task').map((tid) => {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
  });
}

describe('publisher and the background PUBACK marks', () => {
  it('records PUBACKs on a thread of the lowest priority', async () => {
    expect(threadNices()).not.toContain(19);
    ob.markInBackground();
    ob.insert({ id: 'a', class: 'alert', ts: 1, topic: 'camera/c/alert/x', body: '{}' });
    ob.markPublished([{ seq: 1, id: 'a' }], false);
    await ob.settleMarks();
    expect(ob.depth()).toBe(0);
    expect(threadNices()).toContain(19);
  });

  it('waits for a starved mark recorder instead of letting unrecorded PUBACKs pile up, and drains all once it runs', async () => {
    const sealer = payloadSealer({ base: 'edge/p/c/gw', format: 'json', gateway: 'gw', key: newKeyPair().privateKey });
    ob.sealWith(sealer);
    for (let done = 0; done < ROWS; done += 5000) {
      ob.insertMany(Array.from({ length: 5000 }, (_, i) => ({ id: `r${done + i}`, class: 'alert' as const, ts: 1, topic: 'camera/c/alert/x', body: '{"x":1}' })));
    }
    ob.markInBackground();
    // Another writer holds the database: the recorder waits in its busy handler, as a starved one would.
    const other = new Database(join(dir, 'outbox.db'));
    other.exec('BEGIN IMMEDIATE');
    const link = new AckingLink();
    const publisher = new Publisher(ob, link, { base: 'edge/p/c/gw', maxInFlight: 64, drainRatePerS: 0, e2e: false, sealer }, quietLog());
    publisher.onConnect();
    // Sending stops (no publish for 200 ms) well within the recorder's busy timeout (5 s).
    let last = -1;
    const deadline = Date.now() + 3000;
    while (link.published !== last || link.published === 0) {
      expect(Date.now(), `still sending: ${link.published} published`).toBeLessThan(deadline);
      last = link.published;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(ob.marksBehind).toBeGreaterThan(MAX_MARKS_BEHIND);
    expect(link.published).toBeLessThan(ROWS / 2);
    expect(link.published).toBeLessThanOrEqual((MAX_MARKS_BEHIND + 2) * 512 + 64);
    other.exec('COMMIT');
    other.close();
    await waitFor(() => ob.depth() === 0, 'outbox drained');
    publisher.flushAcks();
    await ob.settleMarks();
    expect(link.published).toBe(ROWS);
    expect(ob.depth()).toBe(0);
  });
});
