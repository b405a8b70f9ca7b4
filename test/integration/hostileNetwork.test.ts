import { randomUUID } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { render } from '../helpers/cameraSim/templates.js';
import { BAD_URLS, fuzzInputs, fuzzSeed, Rng } from '../helpers/fuzz.js';
import { runCli, STREET, tempDir } from '../helpers/media.js';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { CENTRE_KEYS, CENTRE_PUBLIC, writeTestGatewayKey } from '../helpers/keys.js';
import { freeUdpPort } from '../helpers/ports.js';
import { signRequest } from '../../src/verify/keys.js';
import { startRtspServer, type RtspServer } from '../helpers/rtspServer.js';

// A running `edge-agent run` on a hostile segment: malformed WS-Discovery datagrams on its
// discovery port (some naming its camera's endpoint reference with a broken address) and malformed
// MQTT requests and acks. Afterwards it must still be running and still publishing.

const DATAGRAMS = 400;
const MQTT_MESSAGES = 300;
const BASE = 'edge/hn/c1/gw-hostile';

describe('edge-agent run on a hostile network', () => {
  let rtsp: RtspServer;
  let broker: Mosquitto;
  let discoveryPort: number;
  const epr = `urn:uuid:${randomUUID()}`;
  const dir = tempDir('edge-agent-hostile-');
  const config = join(dir, 'site.yaml');

  beforeAll(async () => {
    rtsp = await startRtspServer(STREET);
    broker = await startMosquitto();
    writeTestGatewayKey(dir);
    discoveryPort = await freeUdpPort();
    writeFileSync(
      config,
      `gateway: { id: gw-hostile, province: hn, commune: c1 }
logging: { level: info }
outbox: { path: outbox.db }
storage: { snapshot_dir: snapshots }
mqtt: { urls: ["${broker.url}"], health_interval_s: 1, e2e_ack: { enabled: true }, centre_key: ${CENTRE_PUBLIC} }
onvif: { discovery_port: ${discoveryPort} }
cameras:
  - id: gate-1
    source: rtsp://127.0.0.1:${rtsp.port}/h264
    onvif: { host: 127.0.0.1, port: 1, epr: "${epr}" }
`,
    );
  });
  afterAll(async () => {
    await rtsp?.stop();
    await broker?.dispose();
  });

  it(`survives ${DATAGRAMS} malformed datagrams and ${MQTT_MESSAGES} malformed MQTT messages, and still publishes`, async () => {
    const rng = new Rng(fuzzSeed('hostile-network'));
    const centre = await mqtt.connectAsync(broker.url);
    const messages: { topic: string; payload: string; at: number }[] = [];
    let sent = 0; // messages from the centre seen before the fuzzing ended are not proof of life
    centre.on('message', (topic, payload) => messages.push({ topic, payload: payload.toString(), at: sent }));
    await centre.subscribeAsync(`${BASE}/#`, { qos: 1 });
    let phase: 'starting' | 'fuzzing' | 'checking' | 'done' = 'starting';
    let fuzzEnd = 0;
    let exitedEarly = false;

    const fuzz = async () => {
      const socket = createSocket('udp4');
      const seeds = [
        hello(epr, 'http://127.0.0.1:1/onvif/device_service'),
        hello(`urn:uuid:${randomUUID()}`, 'http://127.0.0.1:2/onvif/device_service'),
        render('common', 'Bye', { messageId: randomUUID(), epr, instanceId: 3 }),
        render('common', 'ProbeMatches', { messageId: randomUUID(), relatesTo: randomUUID(), epr, xaddr: 'http://127.0.0.1:1/x', scopes: 'onvif://www.onvif.org/name/x', metadataVersion: 1, instanceId: 1 }),
      ];
      let n = 0;
      // Hellos naming the configured camera with an address that is not one.
      for (const bad of ['0', 'http://[', '#', 'http://', ...BAD_URLS.slice(0, 20)]) {
        await send(socket, Buffer.from(hello(epr, bad)), discoveryPort);
        n++;
      }
      for (const d of fuzzInputs(rng, seeds, DATAGRAMS - n)) {
        await send(socket, d.subarray(0, 60_000), discoveryPort);
        n++;
      }
      socket.close();
      const topics = [`${BASE}/ack`, `${BASE}/request/ping`, `${BASE}/request/snapshot`, `${BASE}/request/replay`, `${BASE}/request/health`, `${BASE}/request/x`];
      const reqSeeds = ['{"transaction":"t"}', '{"seqs":[1,2]}', '{"up_to":3}', '{"alert_id":"a","encoding":"binary"}', '{"since_seq":0}'];
      for (const p of fuzzInputs(rng, reqSeeds, MQTT_MESSAGES)) await centre.publishAsync(rng.pick(topics), p, { qos: 1 });
      fuzzEnd = messages.length;
      sent = 1;
      await centre.publishAsync(`${BASE}/request/ping`, signRequest(CENTRE_KEYS.privateKey, BASE, 'ping', { transaction: 'alive' }), { qos: 1 });
      console.log(`fuzz hostile-network: ${n} datagrams to the discovery port, ${MQTT_MESSAGES} MQTT messages`);
    };

    const r = await runCli(['run', '--config', config], {
      timeoutMs: 180_000,
      onSpawn: (kill, out) => {
        const poll = setInterval(() => {
          const text = out();
          if (phase === 'starting' && /"msg":"camera online"/.test(text) && messages.some((m) => m.topic === `${BASE}/health`)) {
            phase = 'fuzzing';
            void fuzz().then(() => (phase = 'checking'));
          } else if (phase === 'checking') {
            const after = messages.slice(fuzzEnd).filter((m) => m.at === 1);
            const alive = after.some((m) => m.topic === `${BASE}/response/ping` && m.payload.includes('"alive"'));
            const health = after.filter((m) => m.topic === `${BASE}/health`).length;
            if (alive && health >= 2) {
              phase = 'done';
              clearInterval(poll);
              kill('SIGTERM');
            }
          }
        }, 200);
      },
    }).finally(() => {
      exitedEarly = phase !== 'done';
    });
    await centre.endAsync();
    expect(exitedEarly, `the agent ended during phase ${phase}: ${r.stderr.slice(-3000)}`).toBe(false);
    expect(r.code, r.stderr.slice(-3000)).toBe(0);
    expect(r.stderr).not.toMatch(/TypeError|RangeError|ReferenceError|unhandled|uncaught/i);
  });
});

function hello(epr: string, xaddr: string): string {
  return render('common', 'Hello', {
    messageId: randomUUID(),
    instanceId: 2,
    epr,
    xaddr,
    metadataVersion: 2,
    scopes: 'onvif://www.onvif.org/type/video_encoder onvif://www.onvif.org/hardware/X',
  });
}

function send(socket: ReturnType<typeof createSocket>, data: Buffer, port: number): Promise<void> {
  return new Promise((resolve) => socket.send(data, port, '127.0.0.1', () => resolve()));
}
