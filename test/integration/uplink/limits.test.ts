import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Uplink } from '../../../src/publish/uplink.js';
import { startMosquitto, type Mosquitto } from '../../helpers/mosquitto.js';
import { BASE, centreRequest, Collector, context, makeAlert, quietLog, tempDir, uplinkConfig, waitFor } from './support.js';

describe('outbox limits while the uplink is down', () => {
  let broker: Mosquitto;
  let dir: string;
  beforeAll(async () => {
    broker = await startMosquitto();
    await broker.stop();
    dir = tempDir('limits-');
  });
  afterAll(async () => {
    await broker.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('evicts per the rules, reports it, keeps running and sends the summary when the link returns', async () => {
    const limits = { alert: { maxMb: 0.01 }, count: { maxRows: 10 } };
    const uplink = new Uplink(uplinkConfig(dir, [broker.url], {}, { limits, maxDbMb: 0.5 }), context(dir), quietLog());
    await uplink.start();
    for (let i = 0; i < 30; i++) uplink.emit(makeAlert(`cnt-${i}`, { class: 'count', kind: 'count', rule: 'lane_count', data: { car: i } }));
    for (let i = 0; i < 300; i++) uplink.emit(makeAlert(`lim-${i}`, { ts: 1_000_000 + i }));
    const st = uplink.status();
    expect(st.classes.count).toMatchObject({ pending: 10, evictedRows: 20 });
    expect(st.classes.alert.bytes).toBeLessThanOrEqual(10_000);
    expect(st.classes.alert.evictedRows).toBeGreaterThan(200);

    await broker.start();
    const sub = await Collector.open(broker.url, [`${BASE}/#`]);
    const summaries = () => sub.messages.filter((m) => m.topic === `${BASE}/alert/dropped`).map((m) => JSON.parse(m.payload.toString()) as Record<string, number>);
    // The outbox may drain before the subscriber is in: ask for a replay of everything kept.
    await waitFor(() => uplink.connected, 'connection');
    const probe = await Collector.open(broker.url, [`${BASE}/response/#`]);
    await waitFor(() => uplink.depth() === 0, 'outbox drained');
    probe.client.publish(`${BASE}/request/replay`, centreRequest('replay', { since_seq: 0, transaction: 'r1' }));
    const response = () => probe.messages.find((m) => m.topic === `${BASE}/response/replay`);
    await waitFor(() => response() !== undefined, 'replay response');
    await waitFor(() => summaries().length > 0 && sub.alertIds().has('lim-299'), 'summary and newest alert at the subscriber');
    const s = summaries()[0]!;
    expect(s['n']).toBe(st.classes.alert.evictedRows);
    expect(s['f']).toBe(1_000_000);
    expect(JSON.parse(response()!.payload.toString())).toMatchObject({ status: 'ok', transaction: 'r1' });
    await uplink.stop();
    await sub.close();
    await probe.close();
  });
});
