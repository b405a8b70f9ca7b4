import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CameraUnreachableError,
  NotOnvifError,
  OnvifAuthError,
  OnvifClockError,
  OnvifReplyError,
  OnvifTimeoutError,
  StreamUriRefusedError,
} from '../../../src/discovery/onvifErrors.js';
import { probeCamera } from '../../../src/discovery/probe.js';
import { chooseProfiles } from '../../../src/discovery/profileChoice.js';
import { startBadServer, type BadKind } from '../../helpers/cameraSim/badServers.js';
import { startCameraSim, type CameraSim, type CameraSimOptions } from '../../helpers/cameraSim/cameraSim.js';
import { STREET } from '../../helpers/media.js';
import { freePort } from '../../helpers/ports.js';
import { startRtspServer, type RtspServer } from '../../helpers/rtspServer.js';
import { runCameraCli } from './cli.js';

// Probing the simulated cameras of both vendors, and every way a probe can fail.

let rtsp: RtspServer;
const sims: CameraSim[] = [];
const creds = { user: 'admin', password: 'Secr3t-pw' };

beforeAll(async () => {
  rtsp = await startRtspServer(STREET);
});

afterAll(async () => {
  await Promise.all(sims.map((s) => s.stop()));
  await rtsp?.stop();
});

async function sim(o: Partial<CameraSimOptions> = {}): Promise<CameraSim> {
  const s = await startCameraSim({ vendor: 'hik', password: creds.password, rtsp: { h264: rtsp.url('h264'), h265: rtsp.url('h265') }, ...o });
  sims.push(s);
  return s;
}

describe('probe against the simulator', () => {
  it('Hikvision-like: Media2 profiles with H.265 main stream, URIs at the RTSP server', async () => {
    const s = await sim({ vendor: 'hik' });
    const p = await probeCamera({ target: `127.0.0.1:${s.port}`, credentials: creds });
    expect(p.device).toMatchObject({ manufacturer: 'HIKVISION', model: 'DS-2CD2143G2-I', serialNumber: s.serial });
    expect(p.auth).toBe('ws-security');
    expect(p.services.media2).toBe(`http://127.0.0.1:${s.port}/onvif/Media2`);
    expect(p.profiles.map((x) => [x.token, x.encoding, x.width, x.height, x.streamUri])).toEqual([
      ['Profile_1', 'H265', 1920, 1080, rtsp.url('h265')],
      ['Profile_2', 'H264', 640, 360, rtsp.url('h264')],
    ]);
    expect(p.profiles[1]!.snapshotUri).toBe(`http://127.0.0.1:${s.port}/onvif-http/snapshot?Profile_2`);
    expect(s.log.some((l) => l.startsWith('/onvif/Media2 GetStreamUri'))).toBe(true);
    expect(chooseProfiles(p.profiles)).toMatchObject({ detect: { token: 'Profile_2' }, record: { token: 'Profile_1' } });
  });

  it('Dahua-like: Media1 only, padded URIs trimmed, three profiles', async () => {
    const s = await sim({ vendor: 'dahua' });
    const p = await probeCamera({ target: s.deviceUrl, credentials: creds });
    expect(p.device.manufacturer).toBe('Dahua');
    expect(p.services.media2).toBeUndefined();
    expect(p.profiles.map((x) => [x.token, x.encoding, x.width, x.service, x.streamUri])).toEqual([
      ['MediaProfile000', 'H264', 2688, 'media', rtsp.url('h264')],
      ['MediaProfile001', 'H264', 704, 'media', rtsp.url('h264')],
      ['MediaProfile002', 'JPEG', 176, 'media', rtsp.url('h264')],
    ]);
    expect(chooseProfiles(p.profiles)?.detect.token).toBe('MediaProfile001');
  });

  it('answers an HTTP digest challenge when the firmware wants one', async () => {
    const s = await sim({ vendor: 'dahua', auth: 'http-digest' });
    const p = await probeCamera({ target: `127.0.0.1:${s.port}`, credentials: creds });
    expect(p.auth).toBe('http-digest');
    expect(p.profiles).toHaveLength(3);
  });

  it('compensates a camera clock an hour ahead', async () => {
    const s = await sim({ clockSkewMs: 3_600_000 });
    const p = await probeCamera({ target: `127.0.0.1:${s.port}`, credentials: creds });
    expect(Math.abs(p.clockOffsetMs - 3_600_000)).toBeLessThan(5_000);
    expect(p.profiles).toHaveLength(2);
  });

  it('says so when the camera rejects the time even after compensation', async () => {
    const s = await sim({ clockSkewMs: 3_600_000, clockBug: true });
    const err = await probeCamera({ target: `127.0.0.1:${s.port}`, credentials: creds }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OnvifClockError);
    expect((err as Error).message).toMatch(/set the camera clock/);
  });

  it('reports a wrong password, for WS-Security and HTTP digest cameras', async () => {
    for (const auth of ['ws-security', 'http-digest'] as const) {
      const s = await sim({ auth });
      const err = await probeCamera({ target: `127.0.0.1:${s.port}`, credentials: { user: 'admin', password: 'wrong' } }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OnvifAuthError);
      expect((err as Error).message).toMatch(/rejected user "admin": wrong user name or password/);
      expect((err as Error).message).not.toContain('wrong"');
    }
  });

  it('reports a refused stream URI', async () => {
    const s = await sim({ refuseStreamUri: true });
    const err = await probeCamera({ target: `127.0.0.1:${s.port}`, credentials: creds }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StreamUriRefusedError);
    expect((err as Error).message).toMatch(/refused the stream URI of profile "Profile_\d"/);
  });
});

describe('probe failures', () => {
  const cases: [BadKind, new (...a: never[]) => Error, RegExp][] = [
    ['html', NotOnvifError, /not an ONVIF device service \(HTTP 404, text\/html/],
    ['malformed', OnvifReplyError, /unusable ONVIF reply \(.*line/],
    ['truncated', OnvifReplyError, /may be truncated/],
    ['cut-connection', OnvifReplyError, /connection closed in the middle/],
    ['silent', OnvifTimeoutError, /did not answer within 500 ms/],
  ];
  it.each(cases)('%s server', async (kind, type, message) => {
    const bad = await startBadServer(kind);
    try {
      const err = await probeCamera({ target: bad.url, credentials: creds, timeoutMs: 500 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(type);
      expect((err as Error).message).toMatch(message);
    } finally {
      await bad.stop();
    }
  });

  it('nothing listening', async () => {
    const port = await freePort();
    const err = await probeCamera({ target: `127.0.0.1:${port}`, credentials: creds }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CameraUnreachableError);
    expect((err as Error).message).toMatch(/ECONNREFUSED/);
  });
});

describe('camera probe command', () => {
  it('prints the profiles; the password comes from the environment and is never printed', async () => {
    const s = await sim({ vendor: 'hik' });
    process.env['TEST_CAM_PW'] = creds.password;
    const r = await runCameraCli(['camera', 'probe', `127.0.0.1:${s.port}`, '--user', 'admin', '--password-env', 'TEST_CAM_PW']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/HIKVISION DS-2CD2143G2-I/);
    expect(r.out).toMatch(/Profile_2\s+subStream\s+H264\s+640x360/);
    expect(r.out + r.err).not.toContain(creds.password);
  });

  it('turns a failure into one line and exit code 1, and warns about --password', async () => {
    const s = await sim({ vendor: 'dahua' });
    const r = await runCameraCli(['camera', 'probe', `127.0.0.1:${s.port}`, '--user', 'admin', '--password', 'nope']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/warning: --password leaves the password in shell history/);
    expect(r.err).toMatch(/edge-agent: .* rejected user "admin"/);
    expect(r.err.trim().split('\n')).toHaveLength(2);
  });
});
