import { createSocket } from 'node:dgram';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CameraWatch, moveAlert, type MoveVerdict } from '../../../src/cameraWatch.js';
import type { CameraConfig } from '../../../src/config/cameraSchema.js';
import { startCameraSim, type CameraSim } from '../../helpers/cameraSim/cameraSim.js';
import { leaked, startImpostor, type Impostor } from '../../helpers/cameraSim/impostor.js';
import { render } from '../../helpers/cameraSim/templates.js';
import { freePort, freeUdpPort } from '../../helpers/ports.js';

// A camera is followed to a new address only when the device there proves to be that camera. An
// impostor that says Hello with the camera's endpoint reference gets no password (not over ONVIF,
// not over RTSP) and the refusal is reported; the genuine camera at its new address is followed.

const PASSWORD = 'Gate-pw-5';
const RAW = /TypeError|RangeError|ReferenceError|Invalid URL|Invalid time value/;

describe('camera moves are verified before they are followed', () => {
  let sim: CameraSim;
  let moved: CameraSim | undefined;
  const impostors: Impostor[] = [];
  let watch: CameraWatch;
  let discoveryPort: number;
  let rtspPort: number;
  let cam: CameraConfig;
  const lines: Record<string, unknown>[] = [];
  const verdicts: MoveVerdict[] = [];
  const sources: string[] = [];
  const waiters: (() => void)[] = [];

  beforeAll(async () => {
    discoveryPort = await freeUdpPort();
    rtspPort = await freePort();
    sim = await startCameraSim({ vendor: 'hik', password: PASSWORD, hardwareId: 'HW-2143' });
    cam = {
      id: 'gate-1',
      source: `rtsp://admin:${PASSWORD}@127.0.0.1:${rtspPort}/h264`,
      enabled: true,
      onvif: { host: '127.0.0.1', port: sim.port, user: 'admin', epr: sim.epr, serial: sim.serial, hardwareId: 'HW-2143', events: false },
    } as CameraConfig;
    const sink = new Writable({ write: (c: Buffer, _e, done) => (lines.push(JSON.parse(c.toString()) as Record<string, unknown>), done()) });
    watch = new CameraWatch([cam], { listen: true, discoveryPort }, {
      onMoved: (_id, source) => sources.push(source),
      onMoveChecked: (_id, v) => {
        verdicts.push(v);
        waiters.splice(0).forEach((w) => w());
      },
      onEvent: () => undefined,
    }, pino({ level: 'debug' }, sink), { verifyTimeoutMs: 2000 });
    await watch.start();
  });

  afterAll(async () => {
    await watch?.stop();
    await Promise.all([sim, moved, ...impostors].map((s) => s?.stop()));
  });

  /** Sends a Hello from `from` and resolves after the next move verdict. */
  async function helloAndVerdict(from: string, xaddr: string): Promise<MoveVerdict> {
    const n = verdicts.length;
    const done = new Promise<void>((resolve) => waiters.push(resolve));
    await sendHello(discoveryPort, from, sim.epr, xaddr);
    await done;
    expect(verdicts).toHaveLength(n + 1);
    return verdicts[n]!;
  }

  it('refuses an impostor reporting another serial number: no password over ONVIF or RTSP, a warning and a refusal', async () => {
    const fake = await startImpostor({ host: '127.0.0.3', rtspPort, serial: 'DS-2CD2143G2-I20229999ZZZZZ' });
    impostors.push(fake);
    const v = await helloAndVerdict('127.0.0.3', fake.deviceUrl);
    expect(v).toMatchObject({ accepted: false, from: '127.0.0.1', to: '127.0.0.3', sender: '127.0.0.3' });
    expect(v.reason).toMatch(/serial number "DS-2CD2143G2-I20229999ZZZZZ" is not the recorded/);
    expect(sources).toEqual([]);
    expect(cam.onvif!.host).toBe('127.0.0.1');
    // The impostor was asked who it is (with a WS-Security digest), and got nothing it can replay as a password.
    expect(fake.http.some((r) => /GetDeviceInformation/.test(r) && /PasswordDigest/.test(r))).toBe(true);
    expect(leaked(fake.http, 'admin', PASSWORD)).toEqual([]);
    expect(fake.rtsp).toEqual([]);
    const warn = lines.find((l) => l['msg'] === 'camera move refused');
    expect(warn).toMatchObject({ level: 40, camera: 'gate-1', sender: '127.0.0.3', to: '127.0.0.3' });
    expect(moveAlert('gw-1', 'gate-1', v)).toMatchObject({
      gatewayId: 'gw-1', cameraId: 'gate-1', rule: 'camera_move_refused', kind: 'health', class: 'health', type: 'instant',
      data: { level: 'warning', from: '127.0.0.1', to: '127.0.0.3', sender: '127.0.0.3' },
    });
  });

  it('refuses an impostor that asks for HTTP Basic: the password is never sent in clear', async () => {
    const fake = await startImpostor({ host: '127.0.0.4', rtspPort, serial: sim.serial, challenge: 'basic' });
    impostors.push(fake);
    const v = await helloAndVerdict('127.0.0.4', fake.deviceUrl);
    expect(v.accepted).toBe(false);
    expect(v.reason).toMatch(/could not read the device's identity: .*rejected user "admin"/);
    expect(fake.http.length).toBeGreaterThan(0);
    expect(leaked(fake.http, 'admin', PASSWORD)).toEqual([]);
    expect(fake.http.every((r) => !/"authorization"/i.test(r))).toBe(true);
    expect(fake.rtsp).toEqual([]);
  });

  it('reports a refused address once, survives malformed datagrams, and follows the genuine camera to its new address', async () => {
    // The first impostor again: already refused, not probed or reported again.
    const asked = impostors[0]!.http.length;
    await sendHello(discoveryPort, '127.0.0.3', sim.epr, impostors[0]!.deviceUrl);
    for (const bad of ['0', 'http://[', '#', 'http://']) await sendHello(discoveryPort, '127.0.0.5', sim.epr, bad);
    moved = await startCameraSim({ vendor: 'hik', host: '127.0.0.2', httpPort: sim.port, password: PASSWORD, epr: sim.epr, serial: sim.serial, hardwareId: 'HW-2143' });
    const v = await helloAndVerdict('127.0.0.2', moved.deviceUrl);
    expect(v).toMatchObject({ accepted: true, from: '127.0.0.1', to: '127.0.0.2', reason: 'identity verified' });
    expect(impostors[0]!.http.length).toBe(asked);
    expect(verdicts.map((x) => x.accepted)).toEqual([false, false, true]);
    expect(sources).toEqual([`rtsp://admin:${PASSWORD}@127.0.0.2:${rtspPort}/h264`]);
    expect(cam.onvif).toMatchObject({ host: '127.0.0.2', port: sim.port });
    expect(watch.stats()).toMatchObject({ rejected: { 'bad-xaddr': 4 } });
    expect(lines.find((l) => l['msg'] === 'camera moved')).toMatchObject({ level: 30, camera: 'gate-1', to: '127.0.0.2' });
    expect(moveAlert('gw-1', 'gate-1', v)).toMatchObject({ rule: 'camera_moved', data: { level: 'info' } });
    const text = JSON.stringify(lines);
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toMatch(RAW);
  });

  it('refuses any move of a camera whose serial number was never recorded', async () => {
    const { serial: _serial, ...onvif } = cam.onvif!;
    const old = { ...cam, id: 'old-1', onvif: { ...onvif, host: '127.0.0.2', port: sim.port } } as CameraConfig;
    const got: MoveVerdict[] = [];
    const port = await freeUdpPort();
    const w = new CameraWatch([old], { listen: true, discoveryPort: port }, {
      onMoved: () => expect.unreachable('an unrecorded camera must not move'),
      onMoveChecked: (_id, v) => got.push(v),
      onEvent: () => undefined,
    }, pino({ level: 'silent' }));
    await w.start();
    try {
      const done = new Promise<void>((resolve) => {
        const t = setInterval(() => got.length > 0 && (clearInterval(t), resolve()), 20);
      });
      await sendHello(port, '127.0.0.1', sim.epr, sim.deviceUrl);
      await done;
      expect(got[0]).toMatchObject({ accepted: false, reason: expect.stringMatching(/no serial number is recorded/) as unknown });
    } finally {
      await w.stop();
    }
  });
});

describe('camera watch with a source that is not a URI', () => {
  it('starts, subscribes without credentials and says why, instead of dying on "Invalid URL"', async () => {
    const sim = await startCameraSim({ vendor: 'hik', password: PASSWORD });
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({ write: (c: Buffer, _e, done) => (lines.push(JSON.parse(c.toString()) as Record<string, unknown>), done()) });
    const cam = {
      id: 'odd-1', source: 'rtsp://in:cp', enabled: true,
      onvif: { host: '127.0.0.1', port: sim.port, user: 'admin', epr: sim.epr, serial: sim.serial, events: true },
    } as CameraConfig;
    const w = new CameraWatch([cam], { listen: false, discoveryPort: 1 }, { onMoved: () => undefined, onEvent: () => undefined }, pino({ level: 'debug' }, sink));
    try {
      await w.start();
      await new Promise<void>((resolve) => {
        const t = setInterval(() => lines.some((l) => l['msg'] === 'camera event subscription retrying') && (clearInterval(t), resolve()), 20);
      });
      expect(lines.find((l) => l['msg'] === 'camera events subscribed without credentials')).toMatchObject({ level: 40, camera: 'odd-1', problem: expect.stringMatching(/not a valid URI/) as unknown });
      expect(JSON.stringify(lines)).not.toMatch(RAW);
    } finally {
      await w.stop();
      await sim.stop();
    }
  });
});

/** A WS-Discovery Hello for `epr` at `xaddr`, sent from the loopback address `from`. */
function sendHello(port: number, from: string, epr: string, xaddr: string): Promise<void> {
  const xml = render('common', 'Hello', { messageId: 'm-1', instanceId: 2, epr, xaddr, metadataVersion: 2, scopes: 'onvif://www.onvif.org/name/x' });
  const socket = createSocket('udp4');
  return new Promise((resolve) => {
    socket.bind(0, from, () => socket.send(Buffer.from(xml), port, '127.0.0.1', () => socket.close(() => resolve())));
  });
}
