import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Uplink } from '../../../src/publish/uplink.js';
import { checkPayload, newKeyPair } from '../../../src/verify/keys.js';
import { startMosquitto, type Mosquitto } from '../../helpers/mosquitto.js';
import { BASE, Collector, context, makeAlert, quietLog, tempDir, uplinkConfig, waitFor } from './support.js';

// A backlog is signed when it is stored (the drain then only reads and sends). What is stored
// under one key, topic or format must still go out signed by the key the gateway holds now.

describe('a backlog sealed at commit', () => {
  let broker: Mosquitto;
  let dir: string;
  beforeAll(async () => {
    broker = await startMosquitto();
    dir = tempDir();
  });
  afterAll(async () => {
    await broker.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Emits `ids` with the broker unreachable, then stops: the rows stay in the outbox. */
  async function storeOffline(key: ReturnType<typeof newKeyPair>, ids: string[], mqtt: Record<string, unknown> = {}): Promise<void> {
    const uplink = new Uplink(uplinkConfig(dir, ['mqtt://127.0.0.1:1'], mqtt), { ...context(dir), signingKey: key.privateKey }, quietLog());
    await uplink.start();
    ids.forEach((id) => uplink.emit(makeAlert(id)));
    await uplink.stop();
  }

  async function drain(key: ReturnType<typeof newKeyPair>, count: number, mqtt: Record<string, unknown> = {}): Promise<Collector> {
    const sub = await Collector.open(broker.url, [`${BASE}/camera/+/alert/#`]);
    const uplink = new Uplink(uplinkConfig(dir, [broker.url], mqtt), { ...context(dir), signingKey: key.privateKey }, quietLog());
    await uplink.start();
    await waitFor(() => sub.messages.length >= count && uplink.status().depth === 0, 'backlog drained');
    await uplink.stop();
    await sub.close();
    return sub;
  }

  it('sends the stored signature when nothing changed, and signs afresh after a key rotation or a new format', async () => {
    const old = newKeyPair();
    await storeOffline(old, ['k1-a', 'k1-b']);
    const rotated = newKeyPair();
    await storeOffline(rotated, ['k2-a', 'k2-b']);

    const sub = await drain(rotated, 4);
    for (const m of sub.messages) {
      // Every row verifies under the key in use, including the two sealed under the old one.
      expect(checkPayload([rotated.publicKey], m.topic, m.payload).ok, m.payload.toString()).toBe(true);
      expect(checkPayload([old.publicKey], m.topic, m.payload).ok).toBe(false);
      expect(JSON.parse(m.payload.toString())).toMatchObject({ h: 1, g: 'gw-t1' });
    }
    expect(sub.alerts().map((a) => a['i'])).toEqual(['k1-a', 'k1-b', 'k2-a', 'k2-b']);

    // Stored as JSON, sent as CBOR: the stored payload is not used.
    await storeOffline(rotated, ['k2-c']);
    const cbor = await drain(rotated, 1, { payloadFormat: 'cbor' });
    expect(cbor.messages).toHaveLength(1);
    expect(cbor.messages[0]!.payload[0]).not.toBe('{'.charCodeAt(0));
    expect(checkPayload([rotated.publicKey], cbor.messages[0]!.topic, cbor.messages[0]!.payload).ok).toBe(true);
  });
});
