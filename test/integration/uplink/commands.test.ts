import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodePayload } from '../../../src/publish/payload.js';
import { Uplink } from '../../../src/publish/uplink.js';
import { startMosquitto, type Mosquitto } from '../../helpers/mosquitto.js';
import { fingerprint, publicKeyText, Verifier } from '../../../src/verify/index.js';
import { GATEWAY_KEYS } from '../../helpers/keys.js';
import { BASE, centreRequest, GATEWAY, Collector, context, makeAlert, quietLog, tempDir, uplinkConfig, waitFor } from './support.js';

describe('request/<command> over MQTT', () => {
  let broker: Mosquitto;
  let dir: string;
  beforeAll(async () => {
    broker = await startMosquitto();
    dir = tempDir('commands-');
  });
  afterAll(async () => {
    await broker.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers good requests, refuses bad and oversized ones, and keeps running', async () => {
    const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 9, 9, 0xff, 0xd9]);
    writeFileSync(join(dir, 'snap.jpg'), jpeg);
    const uplink = new Uplink(uplinkConfig(dir, [broker.url], { maxCommandBytes: 512, publishSnapshots: true }), context(dir), quietLog());
    await uplink.start();
    const centre = await Collector.open(broker.url, [`${BASE}/response/#`, `${BASE}/camera/+/snapshot/#`, `${BASE}/camera/+/status`, `${BASE}/info`]);
    await waitFor(() => uplink.connected, 'connection');
    uplink.emit(makeAlert('with-snap', { snapshot: join(dir, 'snap.jpg') }));
    uplink.setCameraStatus('cam-1', { state: 'online' });
    const ask = (cmd: string, body: Record<string, unknown> | Buffer) =>
      centre.client.publish(`${BASE}/request/${cmd}`, Buffer.isBuffer(body) ? body : centreRequest(cmd, body), { qos: 1 });
    ask('ping', { transaction: 'p' });
    ask('ping', Buffer.from('{oops'));
    ask('ping', Buffer.alloc(4096, 0x20));
    ask('nonsense', {});
    ask('outbox_status', { transaction: 1 });
    ask('snapshot', { alert_id: 'with-snap', transaction: 's1' });
    ask('snapshot', { alert_id: 'with-snap', encoding: 'binary', transaction: 's2' });
    const responses = () => centre.messages.filter((m) => /response\/[a-z_]+$/.test(m.topic)).map((m) => decodePayload(m.payload, 'json'));
    await waitFor(() => responses().length >= 7 && centre.messages.some((m) => m.topic === `${BASE}/response/snapshot/s2`), 'seven responses and the binary snapshot');
    const r = responses();
    expect(r.filter((x) => x['status'] === 'ok').map((x) => x['transaction']).sort()).toEqual([1, 'p', 's1', 's2']);
    const errors = r.filter((x) => x['status'] === 'error').map((x) => String(x['error']));
    expect(errors).toHaveLength(3);
    expect(errors).toEqual(expect.arrayContaining([
      expect.stringMatching(/unsigned/),
      expect.stringMatching(/too large/),
      expect.stringMatching(/unknown command/),
    ]));
    const b64 = r.find((x) => x['transaction'] === 's1')!['data'] as { jpeg_base64: string };
    expect(Buffer.from(b64.jpeg_base64, 'base64')).toEqual(jpeg);
    expect(centre.messages.find((m) => m.topic === `${BASE}/response/snapshot/s2`)!.payload).toEqual(jpeg);
    await waitFor(() => centre.messages.some((m) => m.topic === `${BASE}/camera/cam-1/snapshot/with-snap`), 'snapshot on its own topic');
    expect(centre.messages.find((m) => m.topic === `${BASE}/camera/cam-1/snapshot/with-snap`)!.payload).toEqual(jpeg);
    expect(centre.messages.some((m) => m.topic === `${BASE}/camera/cam-1/status`)).toBe(true);
    expect(uplink.connected).toBe(true);
    // Info, status and every JSON response carry the gateway's signature; info names its public key.
    await waitFor(() => centre.messages.some((m) => m.topic === `${BASE}/info`), 'info');
    const verifier = new Verifier(new Map([[GATEWAY.id, [GATEWAY_KEYS.publicKey]]]));
    const verdicts = centre.messages.map((m) => `${m.topic} ${verifier.check(m.topic, m.payload).verdict}`);
    expect(verdicts.filter((v) => !v.endsWith(' valid') && !/snapshot\/\S+ skipped$/.test(v))).toEqual([]);
    const info = decodePayload(centre.messages.find((m) => m.topic === `${BASE}/info`)!.payload, 'json');
    expect(info['signing']).toEqual({ public_key: publicKeyText(GATEWAY_KEYS.publicKey), fingerprint: fingerprint(GATEWAY_KEYS.publicKey).full });
    // The private half never travels: neither its raw 32 bytes (JWK d) in any encoding nor its PEM.
    const d = GATEWAY_KEYS.privateKey.export({ format: 'jwk' }).d!;
    const secrets = [d, Buffer.from(d, 'base64url').toString('base64'), Buffer.from(d, 'base64url').toString('hex')];
    for (const m of centre.messages) for (const x of secrets) expect(m.payload.toString('latin1')).not.toContain(x);
    expect(centre.messages.some((m) => m.payload.includes(Buffer.from(d, 'base64url')))).toBe(false);
    await uplink.stop();
    await centre.close();
  });
});
