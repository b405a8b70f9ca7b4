import { rmSync } from 'node:fs';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Central } from '../../../src/central/central.js';
import type { Uplink } from '../../../src/publish/uplink.js';
import { startMosquitto, type Mosquitto } from '../../helpers/mosquitto.js';
import { connectClient, makeAlert, tempDir } from '../uplink/support.js';
import { getJson, startCentral, startGateway, writeCentralConfig, type ApiAlert, type ApiGateway } from './support.js';

// A tampering relay between the site broker and the centre's withholds some alerts (the gateway had
// its PUBACK, so without end-to-end acks it considers them delivered). The centre sees the sequence
// gap, asks the gateway for it with a signed replay request, and the gap is filled.

describe('central: a withheld gap is asked for and filled', () => {
  let site: Mosquitto;
  let centre: Mosquitto;
  let dir: string;
  let central: Central;
  let gateway: Uplink;
  const relays: MqttClient[] = [];
  beforeAll(async () => {
    site = await startMosquitto();
    centre = await startMosquitto();
    dir = tempDir('central-gap-');
  });
  afterAll(async () => {
    await gateway?.stop();
    await central?.stop();
    for (const r of relays) await r.endAsync();
    for (const b of [site, centre]) await b?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends a signed replay for the missing numbers, and stores them', async () => {
    const withheld = new Set(['gw-g-5', 'gw-g-6', 'gw-g-7', 'gw-g-12']);
    const up = await connectClient(site.url);
    const down = await connectClient(centre.url);
    relays.push(up, down);
    let dropped = 0;
    up.on('message', (topic, payload, packet) => {
      // Withhold the first copy of chosen alerts; later copies (the replay) pass.
      const id = topic.includes('/alert/') ? (JSON.parse(payload.toString()) as { i: string }).i : '';
      if (withheld.delete(id)) {
        dropped++;
        return;
      }
      down.publish(topic, payload, { qos: 1, retain: packet.retain });
    });
    down.on('message', (topic, payload) => up.publish(topic, payload, { qos: 1 }));
    await up.subscribeAsync('edge/#', { qos: 1 });
    await down.subscribeAsync('edge/+/+/+/request/#', { qos: 1 });

    const replay = { check_interval_s: 1, grace_s: 1, min_interval_s: 1 };
    central = await startCentral(writeCentralConfig(dir, centre.url, ['gw-g'], { replay }));
    const requests: string[] = [];
    down.on('message', (topic) => requests.push(topic));
    gateway = await startGateway(dir, 'gw-g', site.url, { replayMinIntervalS: 0 });
    const ids = Array.from({ length: 20 }, (_, i) => `gw-g-${i}`);
    ids.forEach((id) => gateway.emit(makeAlert(id, { gatewayId: 'gw-g' })));
    const api = central.httpUrl!;
    const stored = async () => new Set((await getJson<{ alerts: ApiAlert[] }>(`${api}/api/alerts?gateway=gw-g&limit=100`)).alerts.map((a) => a.id));
    let have = new Set<string>();
    const deadline = Date.now() + 60_000;
    while (!ids.every((id) => have.has(id))) {
      if (Date.now() > deadline) throw new Error(`missing: ${ids.filter((id) => !have.has(id)).join(', ')}`);
      await new Promise((r) => setTimeout(r, 100));
      have = await stored();
    }
    expect(dropped).toBe(4);
    expect(requests.some((t) => t === 'edge/hn/c1/gw-g/request/replay')).toBe(true);
    expect(central.figures()['replayRequests']).toBeGreaterThanOrEqual(1);
    const gws = (await getJson<{ gateways: ApiGateway[] }>(`${api}/api/gateways`)).gateways;
    // The store has no gap left; the follower forgets it on its next check.
    await new Promise((r) => setTimeout(r, 1500));
    expect((await getJson<{ gateways: ApiGateway[] }>(`${api}/api/gateways`)).gateways.find((g) => g.id === 'gw-g')?.open_gaps).toEqual([]);
    expect(gws.find((g) => g.id === 'gw-g')?.state).toBe('online');
  }, 90_000);
});
