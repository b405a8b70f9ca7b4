import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Uplink } from '../../../src/publish/uplink.js';
import { startMosquitto, type Mosquitto } from '../../helpers/mosquitto.js';
import { BASE, Collector, context, makeAlert, quietLog, tempDir, uplinkConfig, waitFor } from './support.js';

describe('uplink with the broker down', () => {
  let broker: Mosquitto;
  let dir: string;
  beforeAll(async () => {
    broker = await startMosquitto({ persistent: true });
    dir = tempDir();
  });
  afterAll(async () => {
    await broker.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers alerts emitted while the broker is down, all of them, in order, after it returns', async () => {
    // A persistent subscriber session: the broker keeps queuing for it across its own restart, so
    // the test does not depend on who reconnects first after the outage.
    const sub = await Collector.open(broker.url, [`${BASE}/#`], 'central-1');
    const uplink = new Uplink(uplinkConfig(dir, [broker.url]), context(dir), quietLog());
    await uplink.start();
    await waitFor(() => uplink.connected, 'first connection');
    const before = Array.from({ length: 20 }, (_, i) => makeAlert(`before-${i}`));
    before.forEach((a) => uplink.emit(a));
    await waitFor(() => sub.alertIds().size === 20, 'alerts sent while up');

    await sub.close();
    await broker.stop('SIGTERM');
    const during = Array.from({ length: 300 }, (_, i) => makeAlert(`down-${i}`));
    during.forEach((a) => uplink.emit(a));
    expect(uplink.status().depth).toBeGreaterThanOrEqual(300);

    await broker.start();
    const sub2 = await Collector.open(broker.url, [`${BASE}/#`], 'central-1');
    await waitFor(() => uplink.status().depth === 0 && uplink.connected, 'outbox drained');
    await waitFor(() => sub2.alertIds().size >= 300, 'backlog at the subscriber');
    const got = sub2.alerts().filter((a) => String(a['i']).startsWith('down-'));
    const firstSeen = [...new Map(got.map((a) => [a['i'], a])).values()];
    expect(firstSeen.map((a) => a['i'])).toEqual(during.map((a) => a.id));
    expect(firstSeen.every((a) => a['h'] === 1)).toBe(true);
    const seqs = firstSeen.map((a) => a['q'] as number);
    expect([...seqs].sort((x, y) => x - y)).toEqual(seqs);

    // Retained state and info are republished after the reconnect.
    const state = sub2.messages.find((m) => m.topic === `${BASE}/state`);
    expect(JSON.parse(state!.payload.toString())).toMatchObject({ state: 'online' });
    expect(sub2.messages.some((m) => m.topic === `${BASE}/info`)).toBe(true);
    await uplink.stop();
    await uplink.stop();
    await sub2.close();
  });
});
