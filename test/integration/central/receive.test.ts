import { rmSync } from 'node:fs';
import { connect } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Central } from '../../../src/central/central.js';
import type { Uplink } from '../../../src/publish/uplink.js';
import { newKeyPair, signPayload } from '../../../src/verify/index.js';
import { startMosquitto, type Mosquitto } from '../../helpers/mosquitto.js';
import { makeAlert, tempDir, waitFor } from '../uplink/support.js';
import { getJson, startCentral, startGateway, writeCentralConfig, type ApiAlert, type ApiGateway } from './support.js';

// The centre against a real Mosquitto and real gateway uplinks with signed end-to-end acks.

describe('edge-agent central', () => {
  let broker: Mosquitto;
  let dir: string;
  let central: Central;
  let gateways: Uplink[] = [];
  let api: string;
  beforeAll(async () => {
    broker = await startMosquitto();
    dir = tempDir('central-');
    central = await startCentral(writeCentralConfig(dir, broker.url, ['gw-a', 'gw-b', 'gw-w']));
    api = central.httpUrl!;
  });
  afterAll(async () => {
    for (const g of gateways) await g.stop();
    await central?.stop();
    await broker?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  const alerts = async (query = '') => (await getJson<{ alerts: ApiAlert[] }>(`${api}/api/alerts?limit=1000${query}`)).alerts;
  const gatewayList = async () => (await getJson<{ gateways: ApiGateway[] }>(`${api}/api/gateways`)).gateways;

  it('stores the alerts of two gateways once each, verified, and acks them end to end', async () => {
    const e2e = { e2eAck: { enabled: true, timeoutS: 5 } };
    const a = await startGateway(dir, 'gw-a', broker.url, e2e, 'c1');
    const b = await startGateway(dir, 'gw-b', broker.url, e2e, 'c2');
    gateways = [a, b];
    a.setCameraStatus('cam-1', { state: 'online' });
    b.setCameraStatus('cam-1', { state: 'offline', error: 'connection' });
    for (let i = 0; i < 30; i++) {
      a.emit(makeAlert(`gw-a-${i}`, { gatewayId: 'gw-a' }));
      b.emit(makeAlert(`gw-b-${i}`, { gatewayId: 'gw-b' }));
    }
    await waitFor(() => a.depth() === 0 && b.depth() === 0, 'both outboxes released by the centre acks');
    const stored = await alerts();
    expect(stored.map((x) => x.id).sort()).toEqual([...Array.from({ length: 30 }, (_, i) => `gw-a-${i}`), ...Array.from({ length: 30 }, (_, i) => `gw-b-${i}`)].sort());
    expect(new Set(stored.map((x) => x.id)).size).toBe(60);
    const c2 = await alerts('&commune=c2');
    expect(c2).toHaveLength(30);
    expect(c2.every((x) => x.gateway === 'gw-b' && x.body['r'] === 'wrong_way_lane2' && x.body['sg'] === undefined)).toBe(true);
    const list = await gatewayList();
    const ga = list.find((g) => g.id === 'gw-a')!;
    const gb = list.find((g) => g.id === 'gw-b')!;
    expect(ga.state).toBe('online');
    expect(ga.cameras['cam-1']?.online).toBe(true);
    expect(gb.cameras['cam-1']?.online).toBe(false);
    expect(ga.last_seen_ts).toBeGreaterThan(0);
    expect(ga.open_gaps).toEqual([]);
  });

  it('stores nothing forged: another key, an unknown gateway, garbage', async () => {
    const before = (await alerts()).length;
    const client = connect(broker.url);
    await new Promise<void>((r) => client.once('connect', () => r()));
    const evil = newKeyPair().privateKey;
    const topic = 'edge/hn/c1/gw-a/camera/cam-1/alert/wrong_way';
    const body = Buffer.from(JSON.stringify({ q: 999, bt: 1, g: 'gw-a', i: 'forged-1', c: 'cam-1', k: 'wrong_way', ts: Date.now() }));
    const unknown = 'edge/hn/c1/gw-zz/camera/cam-1/alert/wrong_way';
    const sends = [
      [topic, signPayload(evil, topic, body)],
      [topic, body],
      [unknown, signPayload(evil, unknown, Buffer.from(JSON.stringify({ q: 1, bt: 1, g: 'gw-zz', i: 'forged-2' })))],
      ['edge/hn/c1/gw-a/camera/cam-1/alert/x', Buffer.from([0xff, 0x00, 0x7b])],
      ['edge/too/short', Buffer.from('{}')],
    ] as const;
    for (const [t, p] of sends) await client.publishAsync(t, p, { qos: 1 });
    await waitFor(() => Object.values((central.figures()['rejected'] as Record<string, number>) ?? {}).reduce((s, n) => s + n, 0) >= 4, 'forgeries counted');
    await client.endAsync();
    const after = await alerts();
    expect(after.length).toBe(before);
    expect(after.some((x) => x.id.startsWith('forged'))).toBe(false);
  });

  it('takes a gateway offline on its last will', async () => {
    const base = 'edge/hn/c1/gw-w';
    const gw = connect(broker.url, { will: { topic: `${base}/state`, payload: Buffer.from('{"state":"offline","boot":3}'), qos: 1, retain: true } });
    await new Promise<void>((r) => gw.once('connect', () => r()));
    await gw.publishAsync(`${base}/state`, '{"state":"online","boot":3}', { qos: 1, retain: true });
    await waitFor(() => central.book.get('gw-w')?.online === true, 'gateway online');
    // A cut link, not a goodbye: the broker publishes the will.
    gw.stream.destroy();
    await waitFor(() => central.book.get('gw-w')?.online === false, 'gateway offline after its last will', 30_000);
    gw.end(true);
    expect((await gatewayList()).find((g) => g.id === 'gw-w')?.state).toBe('offline');
  });

  it('serves an HTML page with every value escaped, and refuses bad queries', async () => {
    const g = gateways[0]!;
    g.emit(makeAlert('gw-a-<b>bold</b>', { gatewayId: 'gw-a', rule: '<script>alert(1)</script>' }));
    await waitFor(() => g.depth() === 0, 'the alert stored and acked');
    const res = await fetch(`${api}/?commune=c1`);
    const html = await res.text();
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('gw-a-&lt;b&gt;bold&lt;/b&gt;');
    expect(html).not.toContain('<script>');
    expect((await fetch(`${api}/api/alerts?limit=0`)).status).toBe(400);
    expect((await fetch(`${api}/api/alerts?commune=%3Cx%3E`)).status).toBe(400);
    expect((await fetch(`${api}/api/alerts`, { method: 'POST' })).status).toBe(405);
    expect((await fetch(`${api}/nothing`)).status).toBe(404);
  });
});
