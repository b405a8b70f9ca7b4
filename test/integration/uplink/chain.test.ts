import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Uplink } from '../../../src/publish/uplink.js';
import { plainBridge } from '../../helpers/brokerTiers.js';
import { startMosquitto, type Mosquitto } from '../../helpers/mosquitto.js';
import { freePort } from '../../helpers/ports.js';
import { Verifier } from '../../../src/verify/index.js';
import { GATEWAY_KEYS } from '../../helpers/keys.js';
import { centreAck, Collector, context, makeAlert, quietLog, tempDir, uplinkConfig, waitFor } from './support.js';

// Queueing across a cut link, on plain brokers; brokerAcl.test.ts runs the same bridges with TLS.
describe('gateway → commune → city → central', () => {
  let central: Mosquitto;
  let city: Mosquitto;
  let commune: Mosquitto;
  let dir: string;
  beforeAll(async () => {
    central = await startMosquitto();
    const cityPort = await freePort();
    city = await startMosquitto({ port: cityPort, extra: plainBridge('city-to-central', central.port) });
    commune = await startMosquitto({ extra: plainBridge('commune-to-city', cityPort) });
    dir = tempDir('chain-');
  });
  afterAll(async () => {
    for (const b of [commune, city, central]) await b?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  async function throughCut(gw: string, e2e: boolean) {
    const gateway = { id: gw, province: 'hn', commune: 'c1' };
    const base = `edge/hn/c1/${gw}`;
    const centre = await Collector.open(central.url, [`${base}/#`]);
    if (e2e) {
      // The central application: ack every alert it receives, by sequence number, signed with its key.
      centre.client.on('message', (topic, payload) => {
        if (!topic.includes('/alert/')) return;
        const q = (JSON.parse(payload.toString()) as { q: number }).q;
        centre.client.publish(`${base}/ack`, centreAck({ seqs: [q] }, base), { qos: 1 });
      });
    }
    const sub = join(dir, gw);
    const uplink = new Uplink(uplinkConfig(sub, [commune.url], { e2eAck: { enabled: e2e, timeoutS: 5 } }), context(sub, gateway), quietLog());
    await uplink.start();
    const first = Array.from({ length: 20 }, (_, i) => makeAlert(`${gw}-up-${i}`));
    first.forEach((a) => uplink.emit(a));
    await waitFor(() => first.every((a) => centre.alertIds().has(a.id)), 'alerts through the chain');
    await waitFor(() => uplink.depth() === 0, 'rows cleared once the chain is whole');

    await city.stop();
    const cut = Array.from({ length: 200 }, (_, i) => makeAlert(`${gw}-cut-${i}`));
    cut.forEach((a) => uplink.emit(a));
    if (e2e) {
      // The commune broker PUBACKs every row, but the centre cannot ack: the gateway keeps them.
      await waitFor(() => uplink.status().classes.alert.pending === 0, 'rows handed to the commune broker');
      expect(uplink.depth()).toBe(200);
      expect(uplink.status().classes.alert.sent).toBeGreaterThan(0);
    } else {
      await waitFor(() => uplink.depth() === 0, 'rows handed to the commune broker');
    }
    expect(cut.some((a) => centre.alertIds().has(a.id))).toBe(false);

    await city.start();
    await waitFor(() => cut.every((a) => centre.alertIds().has(a.id)), 'alerts from the cut at the centre');
    if (e2e) await waitFor(() => uplink.depth() === 0, 'rows released by the centre ack');
    await uplink.stop();
    await centre.close();
    // Everything that crossed the three brokers is the gateway's, unchanged, with no sequence gap.
    const verifier = new Verifier(new Map([[gw, [GATEWAY_KEYS.publicKey]]]));
    const verdicts = centre.messages.map((m) => verifier.check(m.topic, m.payload).verdict);
    expect(verdicts.filter((v) => v !== 'valid' && v !== 'duplicate' && v !== 'skipped')).toEqual([]);
    expect(verdicts.filter((v) => v === 'valid').length).toBeGreaterThanOrEqual(220);
    expect(verifier.gaps()).toEqual([]);
  }

  it('delivers everything across a cut middle link (bridges queue it)', async () => {
    await throughCut('gw-chain-a', false);
  });

  it('with signed end-to-end acks, keeps rows until the centre acks them', async () => {
    await throughCut('gw-chain-b', true);
  });
});
