import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { CameraSchema } from '../../../src/config/cameraSchema.js';
import { camelKeys } from '../../../src/config/keys.js';
import { OnvifCameraSchema } from '../../../src/config/onvifSchema.js';
import { startCameraSim, type CameraSim } from '../../helpers/cameraSim/cameraSim.js';
import { runCameraCli } from './cli.js';

// `camera add` against the simulator: comments survive, the password lands only in secrets_file.

const CONFIG = `# Site config for the Phuc Xa junction.
gateway:
  id: gw-1          # cabinet 7
  province: hn
  commune: phuc-xa

cameras:
  # Recorded clip for the demo
  - id: street-1
    source: file:///tmp/clip.mp4   # keep this one
`;

const PASSWORD = 'p@ss:w/rd';
const sims: CameraSim[] = [];
afterAll(async () => Promise.all(sims.map((s) => s.stop())));

function siteDir(config = CONFIG): string {
  const dir = mkdtempSync(join(tmpdir(), 'edge-agent-add-'));
  writeFileSync(join(dir, 'site.yaml'), config);
  return dir;
}

async function add(vendor: 'hik' | 'dahua', dir: string, id: string, extra: string[] = []) {
  const sim = await startCameraSim({ vendor, password: PASSWORD, rtsp: { h264: 'rtsp://127.0.0.1:8554/h264', h265: 'rtsp://127.0.0.1:8554/h265' } });
  sims.push(sim);
  process.env['TEST_ADD_PW'] = PASSWORD;
  const args = ['camera', 'add', '--config', join(dir, 'site.yaml'), '--id', id, '--host', `127.0.0.1:${sim.port}`, '--user', 'admin', '--password-env', 'TEST_ADD_PW'];
  return { sim, result: await runCameraCli([...args, ...extra]) };
}

describe('camera add', () => {
  it('keeps comments, picks the sub-stream, notes the main stream, stores the password in a new 0600 secrets file', async () => {
    const dir = siteDir();
    const { sim, result } = await add('hik', dir, 'junction-2', ['--name', 'Junction 2, north', '--epr', 'urn:uuid:1234']);
    expect(result.code).toBe(0);
    const text = readFileSync(join(dir, 'site.yaml'), 'utf8');
    for (const comment of ['# Site config for the Phuc Xa junction.', '# cabinet 7', '# Recorded clip for the demo', '# keep this one']) {
      expect(text).toContain(comment);
    }
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain(encodeURIComponent(PASSWORD));
    const cam = (parse(text) as { cameras: Record<string, unknown>[] }).cameras[1]!;
    expect(cam).toMatchObject({
      id: 'junction-2',
      name: 'Junction 2, north',
      source: 'rtsp://admin:${CAM_JUNCTION_2_PASSWORD}@127.0.0.1:8554/h264',
      onvif: {
        host: '127.0.0.1',
        port: sim.port,
        user: 'admin',
        epr: 'urn:uuid:1234',
        serial: sim.serial,
        hardware_id: '88',
        detect_profile: 'Profile_2',
        record_profile: 'Profile_1',
        record_source: 'rtsp://admin:${CAM_JUNCTION_2_PASSWORD}@127.0.0.1:8554/h265',
      },
    });
    const secrets = join(dir, 'secrets.yaml');
    expect(statSync(secrets).mode & 0o777).toBe(0o600);
    expect(parse(readFileSync(secrets, 'utf8'))).toEqual({ CAM_JUNCTION_2_PASSWORD: PASSWORD });
    expect(result.out + result.err).not.toContain(PASSWORD);
    expect(result.out).toMatch(/created, mode 0600/);
  });

  it('writes a camera entry the camera schema with OnvifCameraSchema mounted accepts', async () => {
    const dir = siteDir();
    await add('dahua', dir, 'gate', ['--detect-fps', '4']);
    const cam = camelKeys((parse(readFileSync(join(dir, 'site.yaml'), 'utf8')) as { cameras: unknown[] }).cameras[1]);
    const mounted = Type.Object({ ...CameraSchema.properties, onvif: OnvifCameraSchema }, { additionalProperties: false });
    const validate = new Ajv({ useDefaults: true, strict: false }).compile(mounted);
    expect(validate(cam), JSON.stringify(validate.errors)).toBe(true);
    expect(cam).toMatchObject({ detectFps: 4, onvif: { detectProfile: 'MediaProfile001', recordProfile: 'MediaProfile000' } });
  });

  it('adds to an existing secrets file, keeping its comments and other entries', async () => {
    const dir = siteDir(`secrets_file: site-secrets.yaml\n${CONFIG}`);
    writeFileSync(join(dir, 'site-secrets.yaml'), '# broker\nMQTT_PASSWORD: abc\n', { mode: 0o644 });
    const { result } = await add('hik', dir, 'cam-b');
    expect(result.code).toBe(0);
    const secrets = readFileSync(join(dir, 'site-secrets.yaml'), 'utf8');
    expect(secrets).toContain('# broker');
    expect(parse(secrets)).toMatchObject({ MQTT_PASSWORD: 'abc', CAM_CAM_B_PASSWORD: PASSWORD });
    expect(statSync(join(dir, 'site-secrets.yaml')).mode & 0o777).toBe(0o600);
  });

  it('refuses a duplicate id and a wrong password without touching the files', async () => {
    const dir = siteDir();
    const before = readFileSync(join(dir, 'site.yaml'), 'utf8');
    const dup = await add('hik', dir, 'street-1');
    expect(dup.result.code).toBe(2);
    expect(dup.result.err).toMatch(/id "street-1" exists already/);
    process.env['TEST_ADD_WRONG'] = 'nope';
    const sim = await startCameraSim({ vendor: 'hik', password: PASSWORD });
    sims.push(sim);
    const wrong = await runCameraCli(['camera', 'add', '--config', join(dir, 'site.yaml'), '--id', 'x', '--host', `127.0.0.1:${sim.port}`, '--user', 'admin', '--password-env', 'TEST_ADD_WRONG']);
    expect(wrong.code).toBe(1);
    expect(wrong.err).toMatch(/rejected user "admin"/);
    expect(readFileSync(join(dir, 'site.yaml'), 'utf8')).toBe(before);
  });
});
