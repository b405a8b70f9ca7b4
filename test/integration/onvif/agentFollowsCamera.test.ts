import { randomUUID } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCameraSim, type CameraSim } from '../../helpers/cameraSim/cameraSim.js';
import { leaked, startImpostor, type Impostor } from '../../helpers/cameraSim/impostor.js';
import { render } from '../../helpers/cameraSim/templates.js';
import { jsonLines, runCli, STREET, tempDir } from '../../helpers/media.js';
import { startMosquitto, type Mosquitto } from '../../helpers/mosquitto.js';
import { writeTestGatewayKey } from '../../helpers/keys.js';
import { freeUdpPort } from '../../helpers/ports.js';
import { startRtspServer, type RtspServer } from '../../helpers/rtspServer.js';

// The running agent follows its camera: the camera's own tamper events become health alerts on
// MQTT, and when the camera comes back at another address (a DHCP move, announced by a
// WS-Discovery Hello with the same endpoint reference, and the device there reports the recorded
// serial number) the agent reopens the stream there. An impostor announcing the same endpoint
// reference from elsewhere gets no password and raises a health alert instead.

const PASSWORD = 'cabinet-pass-3';

describe('the agent follows an ONVIF camera', () => {
  let rtsp: RtspServer;
  let moved: RtspServer | undefined;
  let movedSim: CameraSim | undefined;
  let impostor: Impostor | undefined;
  let sim: CameraSim;
  let broker: Mosquitto;
  let discoveryPort: number;
  const dir = tempDir('edge-agent-follow-');
  const config = join(dir, 'site.yaml');

  beforeAll(async () => {
    rtsp = await startRtspServer(STREET);
    broker = await startMosquitto();
    discoveryPort = await freeUdpPort();
    sim = await startCameraSim({ vendor: 'hik', password: PASSWORD, rtsp: { h264: rtsp.url('h264'), h265: rtsp.url('h265') } });
    writeTestGatewayKey(dir);
    writeFileSync(join(dir, 'secrets.yaml'), `CAM_PW: ${PASSWORD}\n`);
    writeFileSync(config, `gateway: { id: gw-follow, province: hn, commune: c1 }
secrets_file: secrets.yaml
logging: { level: debug }
outbox: { path: outbox.db }
mqtt: { urls: ["${broker.url}"], health_interval_s: 0 }
onvif: { discovery_port: ${discoveryPort} }
cameras:
  - id: gate-1
    source: rtsp://admin:\${CAM_PW}@127.0.0.1:${rtsp.port}/h264
    onvif: { host: 127.0.0.1, port: ${sim.port}, user: admin, epr: "${sim.epr}", serial: "${sim.serial}", events: true }
`);
  });
  afterAll(async () => {
    await sim?.stop();
    await rtsp?.stop();
    await moved?.stop();
    await movedSim?.stop();
    await impostor?.stop();
    await broker?.dispose();
  });

  it('turns camera tamper events into health alerts, and reopens the stream at the camera\'s new address', async () => {
    const alerts: { topic: string; body: Record<string, unknown> }[] = [];
    const sub = await mqtt.connectAsync(broker.url);
    await sub.subscribeAsync('edge/+/+/+/camera/+/alert/#', { qos: 1 });
    sub.on('message', (topic, payload) => alerts.push({ topic, body: JSON.parse(payload.toString()) as Record<string, unknown> }));

    let step = 0;
    const run = await runCli(['run', '--config', config], {
      onSpawn: (kill, out) => {
        const poll = setInterval(() => {
          const text = out();
          const detections = (after: string) => (text.slice(text.indexOf(after)).match(/"msg":"detections"/g) ?? []).length;
          if (step === 0 && /"msg":"camera events subscribed"/.test(text) && detections('"msg":"camera online"') >= 2) {
            step = 1;
            sim.emitEvent('tamper', true);
          } else if (step === 1 && alerts.some((a) => a.body['r'] === 'tamper' && a.body['y'] === 's')) {
            step = 2;
            sim.emitEvent('tamper', false);
          } else if (step === 2 && alerts.some((a) => a.body['r'] === 'tamper' && a.body['y'] === 'e')) {
            step = 3;
            // Someone at 127.0.0.3 announces the camera's endpoint reference, with a fake device and RTSP server.
            void startImpostor({ host: '127.0.0.3', rtspPort: rtsp.port, serial: 'DS-2CD2143G2-I20229999ZZZZZ' }).then(async (fake) => {
              impostor = fake;
              await sendHello(discoveryPort, sim.epr, `${fake.deviceUrl}`, '127.0.0.3');
              step = 4;
            });
          } else if (step === 4 && alerts.some((a) => a.body['r'] === 'camera_move_refused')) {
            step = 5;
            // The camera really moves: its ONVIF service and stream are now only at 127.0.0.2, and it says Hello from there.
            void Promise.all([rtsp.stop(), sim.stop()]).then(async () => {
              moved = await startRtspServer(STREET, undefined, '127.0.0.2', rtsp.port);
              movedSim = await startCameraSim({ vendor: 'hik', host: '127.0.0.2', httpPort: sim.port, password: PASSWORD, epr: sim.epr, serial: sim.serial });
              await sendHello(discoveryPort, sim.epr, `http://127.0.0.2:${sim.port}/onvif/device_service`, '127.0.0.2');
              step = 6;
            });
          } else if (step === 6 && /"msg":"camera moved"/.test(text) && detections('"msg":"camera moved"') >= 3) {
            clearInterval(poll);
            kill('SIGTERM');
          }
        }, 200);
      },
    });
    await sub.endAsync();
    expect(run.code, run.stderr.slice(-3000)).toBe(0);
    expect(step).toBe(6);
    const tamper = alerts.filter((a) => a.body['r'] === 'tamper');
    expect(tamper.map((a) => a.body['y'])).toEqual(['s', 'e']);
    expect(tamper[0]!.topic).toBe('edge/hn/c1/gw-follow/camera/gate-1/alert/health');
    const logs = jsonLines<{ msg: string; to?: string }>(run.stderr);
    expect(logs.find((l) => l.msg === 'camera moved')).toMatchObject({ to: '127.0.0.2' });
    const afterMove = logs.slice(logs.findIndex((l) => l.msg === 'camera moved'));
    expect(afterMove.some((l) => l.msg === 'camera online')).toBe(true);
    expect(afterMove.filter((l) => l.msg === 'detections').length).toBeGreaterThanOrEqual(3);
    expect(run.stderr).not.toContain(PASSWORD);
    // The impostor was refused: a warning naming the sender, a health alert, and no password anywhere near it.
    expect(logs.find((l) => l.msg === 'camera move refused')).toMatchObject({ to: '127.0.0.3', sender: '127.0.0.3' });
    expect(logs.findIndex((l) => l.msg === 'camera move refused')).toBeLessThan(logs.findIndex((l) => l.msg === 'camera moved'));
    const refused = alerts.find((a) => a.body['r'] === 'camera_move_refused')!;
    expect(refused.topic).toBe('edge/hn/c1/gw-follow/camera/gate-1/alert/health');
    expect(refused.body).toMatchObject({ k: 'health', y: 'i', d: { level: 'warning', from: '127.0.0.1', to: '127.0.0.3', sender: '127.0.0.3' } });
    expect(alerts.find((a) => a.body['r'] === 'camera_moved')?.body).toMatchObject({ k: 'health', d: { level: 'info', to: '127.0.0.2' } });
    expect(leaked(impostor!.http, 'admin', PASSWORD)).toEqual([]);
    expect(impostor!.rtsp).toEqual([]);
  });
});

/** A WS-Discovery Hello as the camera sends it after an address change, sent to the agent's port. */
function sendHello(port: number, epr: string, xaddr: string, from: string): Promise<void> {
  const xml = render('common', 'Hello', {
    messageId: randomUUID(), instanceId: 2, epr, xaddr, metadataVersion: 2,
    scopes: 'onvif://www.onvif.org/type/video_encoder onvif://www.onvif.org/hardware/DS-2CD2143G2-I',
  });
  const socket = createSocket('udp4');
  return new Promise((resolve) => socket.bind(0, from, () => socket.send(Buffer.from(xml), port, '127.0.0.1', () => socket.close(() => resolve()))));
}
