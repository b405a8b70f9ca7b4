import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Uplink } from '../../../src/publish/uplink.js';
import { publicKeyText } from '../../../src/verify/index.js';
import { GATEWAY_KEYS } from '../../helpers/keys.js';
import { runCli } from '../../helpers/media.js';
import { startMosquitto, type Mosquitto } from '../../helpers/mosquitto.js';
import { BASE, Collector, context, GATEWAY, quietLog, tempDir, uplinkConfig, waitFor } from './support.js';

// `edge-agent verify --url`: the centre's check, live from a broker. Retained messages arrive at
// once on subscribing: the gateway's signed info, and an alert a rogue client left retained.

describe('edge-agent verify --url', () => {
  let broker: Mosquitto;
  let dir: string;
  beforeAll(async () => {
    broker = await startMosquitto();
    dir = tempDir('verify-url-');
  });
  afterAll(async () => {
    await broker.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports the genuine info valid and a forged retained alert forged, with exit 1', async () => {
    const uplink = new Uplink(uplinkConfig(dir, [broker.url]), context(dir), quietLog());
    await uplink.start();
    const rogue = await Collector.open(broker.url, [`${BASE}/info`]);
    await waitFor(() => rogue.messages.length > 0, 'the retained info');
    const keys = join(dir, 'keys');
    writeFileSync(keys, `${GATEWAY.id} ${publicKeyText(GATEWAY_KEYS.publicKey)}\n`);
    const run = (extra: string[] = []) => runCli(['verify', '--url', broker.url, '--topic', `${BASE}/#`, '--seconds', '1', '--keys', keys, '--json', ...extra]);
    const clean = await run();
    expect(clean.code, clean.stderr).toBe(0);
    expect(JSON.parse(clean.stdout)).toMatchObject({ counts: { valid: 1, skipped: 1 }, gaps: [] });

    const forged = `{"q":1,"bt":1,"g":"${GATEWAY.id}","i":"fake","c":"cam-1","k":"intrusion","ts":1}`;
    await rogue.client.publishAsync(`${BASE}/camera/cam-1/alert/intrusion`, forged, { qos: 1, retain: true });
    const r = await run();
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as { messages: { topic: string; verdict: string; reason?: string }[] };
    expect(report.messages.find((m) => m.topic.endsWith('/alert/intrusion'))).toMatchObject({ verdict: 'forged', reason: expect.stringMatching(/no signature/) });
    await rogue.client.publishAsync(`${BASE}/camera/cam-1/alert/intrusion`, '', { qos: 1, retain: true });
    const unreachable = await runCli(['verify', '--url', 'mqtt://127.0.0.1:1', '--seconds', '1', '--keys', keys]);
    expect(unreachable.code).not.toBe(0);
    expect(unreachable.stderr).not.toMatch(/TypeError|\n\s+at /);
    await uplink.stop();
    await rogue.close();
  });
});
