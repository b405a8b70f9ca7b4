import { execFileSync } from 'node:child_process';
import { chmodSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/loadConfig.js';
import { encodeSecret } from '../../src/config/uri.js';
import { forgetSecrets } from '../../src/log/redact.js';
import { startCameraSim, type CameraSim } from '../helpers/cameraSim/cameraSim.js';
import { runCli, STREET, tempDir, type CliResult } from '../helpers/media.js';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { writeTestGatewayKey } from '../helpers/keys.js';
import { freeUdpPort } from '../helpers/ports.js';
import { startRtspServer, type RtspServer } from '../helpers/rtspServer.js';

// Passwords with every character that breaks naive URI handling (/ @ : % # ?), spaces and
// non-ASCII, used everywhere a password goes: the camera URI (from secrets_file), the ONVIF
// settings, the environment (broker password), a Mosquitto with a password file. Every line the
// agent prints, every MQTT message (a subscriber on #) and every file it writes is searched for
// each password, raw and encoded. None may appear.

const CAM_PW = 'p@ss/w:rd #1?%20 é中 x';
const MQTT_PW = 'm/q@t:t #?% üñ 9';
const WRONG_PW = 'wr@ng/pw:#?% ö';
const PASSWORDS = [CAM_PW, MQTT_PW, WRONG_PW];

/** Every form a password may take on its way out. */
function formsOf(pw: string): string[] {
  const u = new URL('x://h');
  u.password = pw;
  return [...new Set([pw, encodeURIComponent(pw), encodeSecret(pw), u.password, JSON.stringify(pw).slice(1, -1), Buffer.from(`admin:${pw}`).toString('base64')])];
}

function leaks(where: string, text: string): string[] {
  const out: string[] = [];
  for (const pw of PASSWORDS) for (const form of formsOf(pw)) if (text.includes(form)) out.push(`${where} contains ${JSON.stringify(form)}`);
  return out;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe('hostile passwords never leave the gateway', () => {
  let rtsp: RtspServer;
  let sim: CameraSim;
  let broker: Mosquitto;
  const dir = tempDir('edge-agent-pw-');
  const config = join(dir, 'site.yaml');
  const found: string[] = [];
  const outputs: [string, CliResult][] = [];
  const messages: { topic: string; payload: Buffer }[] = [];
  let centre: mqtt.MqttClient;

  beforeAll(async () => {
    // Digest where the test server offers it: cameras send no password over Basic unless configured to.
    rtsp = await startRtspServer(STREET, { user: 'admin', password: CAM_PW, scheme: 'digest' } as { user: string; password: string });
    const pwDir = tempDir('mosq-pw-');
    chmodSync(pwDir, 0o755);
    const pwFile = join(pwDir, 'passwd');
    writeFileSync(pwFile, '');
    execFileSync('mosquitto_passwd', ['-b', pwFile, 'gw', MQTT_PW]);
    execFileSync('mosquitto_passwd', ['-b', pwFile, 'centre', 'centre-pass']);
    chmodSync(pwFile, 0o644);
    broker = await startMosquitto({ extra: ['allow_anonymous false', `password_file ${pwFile}`] });
    centre = await mqtt.connectAsync(broker.url, { username: 'centre', password: 'centre-pass' });
    await centre.subscribeAsync('#', { qos: 1 });
    centre.on('message', (topic, payload) => messages.push({ topic, payload: Buffer.from(payload) }));
    sim = await startCameraSim({ vendor: 'hik', password: CAM_PW, rtsp: { h264: rtsp.url('h264'), h265: rtsp.url('h265') } });
    const discoveryPort = await freeUdpPort();
    writeTestGatewayKey(dir);
    writeFileSync(join(dir, 'secrets.yaml'), `CAM_PW: ${JSON.stringify(CAM_PW)}\nWRONG_PW: ${JSON.stringify(WRONG_PW)}\n`);
    writeFileSync(
      config,
      `gateway: { id: gw-pw, province: hn, commune: c1 }
secrets_file: secrets.yaml
logging: { level: debug }
outbox: { path: outbox.db }
storage: { snapshot_dir: snapshots }
mqtt: { urls: ["${broker.url}"], username: gw, password: "\${MQTT_PW}", health_interval_s: 1 }
onvif: { discovery_port: ${discoveryPort} }
cameras:
  - id: gate-1
    source: rtsp://admin:\${CAM_PW}@127.0.0.1:${rtsp.port}/h264
    onvif: { host: 127.0.0.1, port: ${sim.port}, user: admin, epr: "${sim.epr}", events: true, record_source: "rtsp://admin:\${CAM_PW}@127.0.0.1:${rtsp.port}/h265" }
  - id: gate-2
    source: rtsp://admin:\${WRONG_PW}@127.0.0.1:${rtsp.port}/h264
`,
    );
  });

  afterAll(async () => {
    await centre?.endAsync();
    await sim?.stop();
    await rtsp?.stop();
    await broker?.dispose();
  });

  it('config validate --print masks every secret', async () => {
    const r = await runCli(['config', 'validate', config, '--print'], { env: { MQTT_PW } });
    outputs.push(['config validate --print', r]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('rtsp://***@127.0.0.1');
    expect(r.stdout).toContain('"password": "***"');
    // A password over plain mqtt:// is worth a warning.
    expect(r.stderr).toMatch(/warning: mqtt\.password is sent in clear text/);
    found.push(...leaks('config validate --print', r.stdout + r.stderr));
  });

  it('run: detects on the camera, publishes its status, and says nothing of any password', async () => {
    const r = await runCli(['run', '--config', config], {
      env: { MQTT_PW },
      onSpawn: (kill, out) => {
        const poll = setInterval(() => {
          const text = out();
          const online = messages.some((m) => m.topic.endsWith('/camera/gate-1/status') && m.payload.toString().includes('"online"'));
          const refused = messages.some((m) => m.topic.endsWith('/camera/gate-2/status') && m.payload.toString().includes('"offline"'));
          if (online && refused && (text.match(/"msg":"detections"/g) ?? []).length >= 3 && messages.some((m) => m.topic.endsWith('/health'))) {
            clearInterval(poll);
            kill('SIGTERM');
          }
        }, 200);
      },
    });
    outputs.push(['run', r]);
    const info = messages.find((m) => m.topic === 'edge/hn/c1/gw-pw/info');
    expect(info, r.stderr.slice(-3000)).toBeDefined();
    const status = messages.filter((m) => m.topic.endsWith('/camera/gate-2/status')).map((m) => JSON.parse(m.payload.toString()) as Record<string, unknown>);
    // The status of the refused camera carries the camera and the kind of error, not its text.
    expect(status.at(-1)).toMatchObject({ camera: 'gate-2', state: 'offline', error: expect.stringMatching(/^[a-z-]+$/) });
    expect((r.stderr.match(/"msg":"detections"/g) ?? []).length).toBeGreaterThanOrEqual(3);
    found.push(...leaks('run output', r.stdout + r.stderr));
  });

  it('detect: with the right password, a wrong one, and one typed without encoding', async () => {
    const base = `127.0.0.1:${rtsp.port}/h264`;
    for (const [name, uri, frames] of [
      ['detect (right password)', `rtsp://admin:${encodeSecret(CAM_PW)}@${base}`, '2'],
      ['detect (wrong password)', `rtsp://admin:${encodeSecret(WRONG_PW)}@${base}`, '1'],
      ['detect (raw password)', `rtsp://admin:${CAM_PW}@${base}`, '1'],
    ] as const) {
      const r = await runCli(['detect', uri, '--frames', frames], { timeoutMs: 60_000 });
      outputs.push([name, r]);
      if (name === 'detect (right password)') expect(r.code, r.stderr.slice(-2000)).toBe(0);
      else expect(r.code).not.toBe(0);
      found.push(...leaks(name, r.stdout + r.stderr));
    }
  });

  it('camera probe and camera add', async () => {
    for (const [name, args] of [
      ['camera probe', ['camera', 'probe', `127.0.0.1:${sim.port}`, '--user', 'admin', '--password-env', 'CAM_PW_ENV']],
      ['camera probe --json', ['camera', 'probe', `127.0.0.1:${sim.port}`, '--user', 'admin', '--password-env', 'CAM_PW_ENV', '--json']],
      ['camera add', ['camera', 'add', '--config', config, '--id', 'gate-3', '--host', `127.0.0.1:${sim.port}`, '--user', 'admin', '--password-env', 'CAM_PW_ENV']],
    ] as const) {
      const r = await runCli([...args], { env: { CAM_PW_ENV: CAM_PW }, timeoutMs: 60_000 });
      outputs.push([name, r]);
      expect(r.code, r.stderr).toBe(0);
      found.push(...leaks(name, r.stdout + r.stderr));
    }
    // The camera it added loads with the password as typed (stored raw, encoded only into the URI).
    const added = loadConfig(config, { env: { MQTT_PW } }).cameras.find((c) => c.id === 'gate-3')!;
    forgetSecrets();
    for (const uri of [added.source, added.onvif!.recordSource!]) {
      const u = new URL(uri);
      expect(decodeURIComponent(u.password)).toBe(CAM_PW);
      expect(u.hostname).toBe('127.0.0.1');
    }
  });

  it('no MQTT message and no file the agent wrote holds a password', () => {
    expect(messages.length).toBeGreaterThan(3);
    for (const m of messages) {
      const text = m.topic + m.payload.toString('utf8');
      found.push(...leaks(`MQTT ${m.topic}`, text));
      // No URI with credentials at all, whoever's they are.
      if (/[a-z][a-z0-9+.-]*:\/\/[^\s"/]*@/i.test(text)) found.push(`MQTT ${m.topic} carries a URI with credentials`);
    }
    for (const f of filesUnder(dir)) {
      // The secrets file is where the passwords belong (camera add appends the new one there).
      if (f === join(dir, 'secrets.yaml')) continue;
      found.push(...leaks(`file ${f}`, readFileSync(f).toString('latin1') + readFileSync(f).toString('utf8')));
    }
    expect(found).toEqual([]);
  });
});
