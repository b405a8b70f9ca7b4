import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Uplink } from '../../../src/publish/uplink.js';
import { checkPayload, publicKeyText } from '../../../src/verify/index.js';
import { GATEWAY_KEYS } from '../../helpers/keys.js';
import { runCli } from '../../helpers/media.js';
import { startMosquitto, type Mosquitto } from '../../helpers/mosquitto.js';
import { plainBridge } from '../../helpers/brokerTiers.js';
import { freePort } from '../../helpers/ports.js';
import { centreAck, Collector, connectClient, context, makeAlert, quietLog, tempDir, uplinkConfig, waitFor } from './support.js';

// gateway → commune broker → [a tampering relay] → city broker → central broker. The relay stands for
// a compromised broker in the middle: it passes everything on, except that it changes one byte of
// every copy of one alert and drops every copy of another. The centre acks only what verifies.

const GW = 'gw-tamper';
const BASE = `edge/hn/c1/${GW}`;

describe('a tampering broker between commune and city', () => {
  let central: Mosquitto;
  let city: Mosquitto;
  let commune: Mosquitto;
  let dir: string;
  const relays: MqttClient[] = [];
  beforeAll(async () => {
    central = await startMosquitto();
    const cityPort = await freePort();
    city = await startMosquitto({ port: cityPort, extra: plainBridge('city-to-central', central.port) });
    commune = await startMosquitto();
    dir = tempDir('tamper-');
  });
  afterAll(async () => {
    for (const r of relays) await r.endAsync(true);
    for (const b of [commune, city, central]) await b?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('alters one alert and drops another: the centre refuses the first, verify reports both, the gateway keeps both', async () => {
    const up = await connectClient(commune.url);
    const down = await connectClient(city.url);
    relays.push(up, down);
    let altered = 0;
    let dropped = 0;
    up.on('message', (topic, payload) => {
      const text = payload.toString();
      if (text.includes('"i":"t-7"')) {
        dropped++;
        return;
      }
      let out: Buffer = payload;
      if (text.includes('"i":"t-3"')) {
        out = Buffer.from(text.replace('"s":0.87', '"s":0.97'));
        altered++;
      }
      down.publish(topic, out, { qos: 1 });
    });
    down.on('message', (topic, payload) => up.publish(topic, payload, { qos: 1 }));
    await up.subscribeAsync([`${BASE}/#`], { qos: 1 });
    await down.subscribeAsync([`${BASE}/ack`, `${BASE}/request/#`], { qos: 1 });

    // The central application: checks each alert's signature and acks only genuine ones.
    const centre = await Collector.open(central.url, [`${BASE}/#`]);
    const keys = [GATEWAY_KEYS.publicKey];
    const refusedAtCentre = new Set<string>();
    centre.client.on('message', (topic, payload) => {
      if (!topic.includes('/alert/')) return;
      const checked = checkPayload(keys, topic, payload);
      if (!checked.ok) return void refusedAtCentre.add(topic);
      const q = (JSON.parse(checked.body.toString()) as { q: number }).q;
      centre.client.publish(`${BASE}/ack`, centreAck({ seqs: [q] }, BASE), { qos: 1 });
    });

    const sub = join(dir, GW);
    const gateway = { id: GW, province: 'hn', commune: 'c1' };
    const uplink = new Uplink(uplinkConfig(sub, [commune.url], { e2eAck: { enabled: true, timeoutS: 5 } }), context(sub, gateway), quietLog());
    await uplink.start();
    const alerts = Array.from({ length: 12 }, (_, i) => makeAlert(`t-${i}`));
    alerts.forEach((a) => uplink.emit(a));
    const honest = alerts.filter((a) => a.id !== 't-3' && a.id !== 't-7');
    await waitFor(() => honest.every((a) => centre.alertIds().has(a.id)), 'the untouched alerts at the centre');
    // The two victims stay in the outbox: resent after every ack timeout, never acked.
    await waitFor(() => uplink.depth() === 2 && altered >= 2 && dropped >= 2, 'two resends of each victim, the rest acked');
    expect(refusedAtCentre.size).toBe(1);
    await uplink.stop();
    await centre.close();

    const capture = join(dir, 'capture.txt');
    writeFileSync(capture, centre.messages.map((m) => `${m.topic} ${m.payload.toString()}`).join('\n'));
    const keysFile = join(dir, 'keys.txt');
    writeFileSync(keysFile, `# enrolled gateways\n${GW} ${publicKeyText(GATEWAY_KEYS.publicKey)}\n`);
    const human = await runCli(['verify', capture, '--keys', keysFile]);
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(/^altered\s+edge\/hn\/c1\/gw-tamper\/camera\/cam-1\/alert\/wrong_way seq \d+/m);
    expect(human.stdout).toMatch(/^gap\s+gw-tamper boot 1: seq \d+ never arrived/m);
    const json = await runCli(['verify', capture, '--keys', keysFile, '--json']);
    const report = JSON.parse(json.stdout) as { counts: Record<string, number>; gaps: { from: number; to: number }[] };
    expect(report.counts['altered']).toBe(altered);
    expect(report.counts['forged'] + report.counts['replayed']).toBe(0);
    expect(report.counts['valid']).toBeGreaterThanOrEqual(honest.length);
    // Both victims are missing in their genuine form: the altered one's seq and the dropped one's.
    expect(report.gaps).toHaveLength(2);
    for (const g of report.gaps) expect(g.from).toBe(g.to);
    console.log(`tampering relay: ${altered} altered and ${dropped} dropped copies; verify ${JSON.stringify(report.counts)}, gaps ${JSON.stringify(report.gaps)}`);
  });
});
