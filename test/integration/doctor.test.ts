import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseDocument } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckRow } from '../../src/health/doctor/check.js';
import { ROOT, runCli, STREET, tempDir, type CliResult } from '../helpers/media.js';
import { makeCerts } from '../helpers/certs.js';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { writeTestGatewayKey } from '../helpers/keys.js';
import { freePort } from '../helpers/ports.js';
import { startRtspServer, type RtspServer } from '../helpers/rtspServer.js';

// `edge-agent doctor` against a real broker (with a password file), a real RTSP server of a recorded
// clip, a closed port and a port that accepts and never answers.

const BROKER_PASSWORD = 'broker-pw-7Qx';
const CAMERA_PASSWORD = 'cam-pw-Zr4';

interface Site {
  brokers: string[];
  camera: string;
  username?: string;
}

function writeSite(dir: string, site: Site): string {
  const doc = parseDocument(readFileSync(join(ROOT, 'config', 'example.yaml'), 'utf8'));
  doc.setIn(['cameras', 0, 'source'], site.camera);
  doc.setIn(['outbox', 'path'], join(dir, 'outbox.db'));
  doc.setIn(['storage', 'snapshot_dir'], join(dir, 'snapshots'));
  doc.set('secrets_file', 'secrets.yaml');
  doc.set('mqtt', { urls: site.brokers, ...(site.username ? { username: site.username, password: '${BROKER_PASSWORD}' } : {}) });
  writeFileSync(join(dir, 'secrets.yaml'), `BROKER_PASSWORD: ${BROKER_PASSWORD}\nCAM_PASSWORD: ${CAMERA_PASSWORD}\n`, { mode: 0o600 });
  const file = join(dir, 'site.yaml');
  writeFileSync(file, String(doc));
  if (!existsSync(join(dir, 'gateway.key'))) writeTestGatewayKey(dir);
  return file;
}

function rows(r: CliResult): CheckRow[] {
  return (JSON.parse(r.stdout) as { checks: CheckRow[] }).checks;
}

function find(all: CheckRow[], prefix: string): CheckRow {
  const r = all.find((x) => x.check.startsWith(prefix));
  if (!r) throw new Error(`no row ${prefix} in ${JSON.stringify(all)}`);
  return r;
}

describe('edge-agent doctor', () => {
  let broker: Mosquitto;
  let rtsp: RtspServer;
  let silent: Server;
  let silentPort: number;
  const dir = tempDir();

  beforeAll(async () => {
    const passwords = join(dir, 'passwd');
    writeFileSync(passwords, '');
    execFileSync('mosquitto_passwd', ['-b', passwords, 'gateway', BROKER_PASSWORD]);
    // Mosquitto started as root drops to its own user, which must read the file.
    chmodSync(dir, 0o755);
    chmodSync(passwords, 0o644);
    broker = await startMosquitto({ extra: ['allow_anonymous false', `password_file ${passwords}`] });
    rtsp = await startRtspServer(STREET, { user: 'viewer', password: CAMERA_PASSWORD });
    // Accepts connections and never says a word: a firewall that drops, a hung device.
    silent = createServer(() => undefined);
    silentPort = await new Promise<number>((resolve) => silent.listen(0, '127.0.0.1', () => resolve((silent.address() as { port: number }).port)));
  });

  afterAll(async () => {
    await broker?.dispose();
    await rtsp?.stop();
    silent?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a working site: broker login and camera pass, secrets never printed, exit 0', async () => {
    const site = join(dir, 'ok');
    mkdirSync(site);
    const config = writeSite(site, { brokers: [broker.url], username: 'gateway', camera: rtsp.url('h264', 'viewer:${CAM_PASSWORD}') });
    const table = await runCli(['doctor', '--config', config]);
    expect(table.code, table.stdout + table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^CHECK\s+STATUS\s+DETAIL$/m);
    expect(table.stdout).toMatch(/^broker mqtt:\/\/127\.0\.0\.1:\d+\s+PASS\s+login as gateway accepted$/m);
    const json = await runCli(['doctor', '--config', config, '--json']);
    expect(json.code).toBe(0);
    const all = rows(json);
    expect(find(all, 'config').status).toBe('pass');
    expect(find(all, 'H.264 decoder').status).toBe('pass');
    expect(find(all, 'model yolox-nano-int8')).toMatchObject({ status: 'pass', detail: expect.stringContaining('sha256 a69a63003629a775') });
    expect(find(all, 'state outbox').status).toBe('pass');
    expect(find(all, 'disk free').status).not.toBe('fail');
    expect(find(all, 'clock').status).not.toBe('fail');
    expect(find(all, 'signing key')).toMatchObject({ status: 'pass', detail: expect.stringMatching(/gateway\.key: SHA256:/) });
    expect(find(all, 'centre key').status).toBe('warn');
    // The test server offers Basic only: it answered, and the password was not sent in clear.
    expect(find(all, 'camera street-1')).toMatchObject({ status: 'warn', detail: expect.stringContaining('401, Basic login only') });
    for (const out of [table.stdout + table.stderr, json.stdout + json.stderr]) {
      expect(out).not.toContain(BROKER_PASSWORD);
      expect(out).not.toContain(CAMERA_PASSWORD);
    }
  });

  it('a wrong broker password, a closed port and a silent port fail with their remedy; exit 1', async () => {
    const site = join(dir, 'bad');
    mkdirSync(site);
    const closed = await freePort();
    const config = writeSite(site, {
      brokers: [broker.url, `mqtt://127.0.0.1:${closed}`, `mqtt://127.0.0.1:${silentPort}`],
      username: 'intruder',
      camera: `rtsp://127.0.0.1:${silentPort}/h264`,
    });
    const r = await runCli(['doctor', '--config', config, '--json']);
    expect(r.code).toBe(1);
    const all = rows(r);
    expect(find(all, `broker ${broker.url}`)).toMatchObject({ status: 'fail', remedy: 'check mqtt.username and the password in the secrets file' });
    expect(find(all, `broker mqtt://127.0.0.1:${closed}`)).toMatchObject({ status: 'fail', detail: expect.stringContaining('ECONNREFUSED') });
    expect(find(all, `broker mqtt://127.0.0.1:${silentPort}`)).toMatchObject({ status: 'fail', detail: expect.stringContaining('no answer within') });
    expect(find(all, 'camera street-1')).toMatchObject({ status: 'fail', detail: expect.stringContaining('no answer within') });
    expect(r.stdout + r.stderr).not.toContain(BROKER_PASSWORD);
  });

  it('an RTSP camera without a login is answered; a wrong path is a 404 with its remedy', async () => {
    const site = join(dir, 'open');
    mkdirSync(site);
    const open = await startRtspServer(STREET);
    try {
      const good = writeSite(site, { brokers: [broker.url], username: 'gateway', camera: open.url('h264') });
      const r = rows(await runCli(['doctor', '--config', good, '--json']));
      expect(find(r, 'camera street-1')).toMatchObject({ status: 'pass', detail: expect.stringContaining('answers DESCRIBE (200)') });
      const wrong = writeSite(site, { brokers: [broker.url], username: 'gateway', camera: `rtsp://127.0.0.1:${open.port}/nope` });
      const w = rows(await runCli(['doctor', '--config', wrong, '--json']));
      expect(find(w, 'camera street-1')).toMatchObject({ status: 'fail', detail: expect.stringContaining('404') });
    } finally {
      await open.stop();
    }
  });

  it('a camera that asks for digest: the right password is accepted, a wrong one refused, neither printed', async () => {
    const site = join(dir, 'digest');
    mkdirSync(site);
    const digest = await startRtspServer(STREET, { user: 'viewer', password: CAMERA_PASSWORD, scheme: 'digest' });
    try {
      const good = writeSite(site, { brokers: [broker.url], username: 'gateway', camera: digest.url('h264', 'viewer:${CAM_PASSWORD}') });
      const ok = await runCli(['doctor', '--config', good, '--json']);
      expect(find(rows(ok), 'camera street-1')).toMatchObject({ status: 'pass', detail: expect.stringContaining('digest login as viewer accepted') });
      const wrong = writeSite(site, { brokers: [broker.url], username: 'gateway', camera: digest.url('h264', 'viewer:not-the-password') });
      const bad = await runCli(['doctor', '--config', wrong, '--json']);
      expect(bad.code).toBe(1);
      expect(find(rows(bad), 'camera street-1')).toMatchObject({ status: 'fail', detail: expect.stringContaining('refused the login of viewer (401)') });
      for (const r of [ok, bad]) {
        expect(r.stdout + r.stderr).not.toContain(CAMERA_PASSWORD);
        expect(r.stdout + r.stderr).not.toContain('not-the-password');
      }
    } finally {
      await digest.stop();
    }
  });

  it('a TLS broker: handshake and login pass with its CA; without it the certificate is refused, naming mqtt.tls.ca', async () => {
    const site = join(dir, 'tls');
    mkdirSync(site);
    const certs = makeCerts(join(site));
    const tlsBroker = await startMosquitto({
      extra: [`cafile ${certs.ca}`, `certfile ${certs.serverCert}`, `keyfile ${certs.serverKey}`, 'allow_anonymous false', `password_file ${join(dir, 'passwd')}`],
    });
    try {
      const url = `mqtts://127.0.0.1:${tlsBroker.port}`;
      const config = writeSite(site, { brokers: [url], username: 'gateway', camera: pathToFileURL(STREET).href });
      const withCa = join(site, 'with-ca.yaml');
      writeFileSync(withCa, readFileSync(config, 'utf8').replace('mqtt:\n', `mqtt:\n  tls:\n    ca: ${certs.ca}\n`));
      const ok = rows(await runCli(['doctor', '--config', withCa, '--json']));
      expect(find(ok, `broker ${url}`)).toMatchObject({ status: 'pass', detail: 'TLS handshake and login as gateway accepted' });
      const bad = await runCli(['doctor', '--config', config, '--json']);
      expect(bad.code).toBe(1);
      expect(find(rows(bad), `broker ${url}`)).toMatchObject({ status: 'fail', remedy: expect.stringContaining('mqtt.tls.ca') });
      expect(bad.stdout).not.toContain(BROKER_PASSWORD);
    } finally {
      await tlsBroker.dispose();
    }
  });

  it('a missing model is a fail row and exit 1 (an installed copy whose manifest names a file that is nowhere)', async () => {
    // An installation of its own: dist, package.json and a manifest, with no ../shared/models beside it.
    const install = join(dir, 'opt', 'edge-agent');
    mkdirSync(join(install, 'models'), { recursive: true });
    cpSync(join(ROOT, 'dist'), join(install, 'dist'), { recursive: true });
    cpSync(join(ROOT, 'package.json'), join(install, 'package.json'));
    symlinkSync(join(ROOT, 'node_modules'), join(install, 'node_modules'));
    const manifest = JSON.parse(readFileSync(join(ROOT, 'models', 'manifest.json'), 'utf8')) as { models: { file: string }[] };
    manifest.models[0]!.file = 'yolox_nano_int8_not_here.onnx';
    writeFileSync(join(install, 'models', 'manifest.json'), JSON.stringify(manifest));
    const site = join(dir, 'nomodel');
    mkdirSync(site);
    const config = writeSite(site, { brokers: [broker.url], username: 'gateway', camera: pathToFileURL(STREET).href });
    const env = { EDGE_AGENT_MODEL_DIR: '' };
    const r = await runCliFrom(install, ['doctor', '--config', config, '--json'], env);
    expect(r.code).toBe(1);
    const row = find(rows(r), 'model yolox-nano-int8');
    expect(row.status).toBe('fail');
    expect(row.detail).toContain('yolox_nano_int8_not_here.onnx');
    expect(row.remedy).toContain('scripts/fetch-models');
    const table = await runCliFrom(install, ['doctor', '--config', config], env);
    expect(table.stdout).toMatch(/^model yolox-nano-int8\s+FAIL\s+/m);
  });
});

/** Runs main.js of another installation of the agent. */
function runCliFrom(install: string, args: string[], env: Record<string, string>): Promise<CliResult> {
  return import('node:child_process').then(
    ({ spawn }) =>
      new Promise((resolve) => {
        const child = spawn(process.execPath, [join(install, 'dist', 'src', 'main.js'), ...args], { cwd: install, env: { ...process.env, ...env } });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('close', (code) => resolve({ code, stdout, stderr }));
      }),
  );
}
