import { afterAll, describe, expect, it } from 'vitest';
import { CredentialsRequiredError, OnvifReplyError } from '../../../src/discovery/onvifErrors.js';
import { probeCamera } from '../../../src/discovery/probe.js';
import { startCameraSim, type CameraSim, type CameraSimOptions } from '../../helpers/cameraSim/cameraSim.js';
import { runCameraCli } from './cli.js';

// Replies shaped like real cameras the plain simulator does not imitate, and addresses a camera
// sends that are not addresses: each must give a result or one clear sentence, never a TypeError.

const creds = { user: 'admin', password: 'Quirk-pw-7' };
const RTSP = { h264: 'rtsp://127.0.0.1:8554/h264', h265: 'rtsp://127.0.0.1:8554/h265' };
const sims: CameraSim[] = [];
afterAll(async () => Promise.all(sims.map((s) => s.stop())));

async function sim(o: Partial<CameraSimOptions>): Promise<CameraSim> {
  const s = await startCameraSim({ vendor: 'hik', password: creds.password, rtsp: RTSP, ...o });
  sims.push(s);
  return s;
}

const RAW = /TypeError|RangeError|ReferenceError|Invalid URL|Invalid time value/;

describe('cameras the probe did not handle', () => {
  it('reads a clock given only as LocalDateTime with its zone, and says the clock is local', async () => {
    const s = await sim({ quirks: { localTimeOnly: true }, clockSkewMs: 120_000 });
    const p = await probeCamera({ target: `127.0.0.1:${s.port}`, credentials: creds });
    expect(p.clock).toBe('local');
    // Two minutes ahead in UTC terms: the zone (UTC+7) was taken out, not mistaken for a 7 h offset.
    expect(Math.abs(p.clockOffsetMs - 120_000)).toBeLessThan(5_000);
    expect(p.profiles).toHaveLength(2);
    const r = await runCameraCli(['camera', 'probe', `127.0.0.1:${s.port}`, '--user', 'admin', '--password', creds.password]);
    expect(r.out).toMatch(/clock\s+camera is 1\d\d s ahead of this gateway \(compensated, read from its local time and zone\)/);
  });

  it('says "needs credentials" to a camera answering 401 with a Digest challenge and an empty body', async () => {
    const s = await sim({ quirks: { emptyChallenge: true } });
    const err = await probeCamera({ target: `127.0.0.1:${s.port}` }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CredentialsRequiredError);
    expect((err as Error).message).toMatch(/needs credentials: give --user/);
    expect((err as Error).message).not.toMatch(/not an ONVIF device/);
    // With credentials the same camera probes normally.
    const p = await probeCamera({ target: `127.0.0.1:${s.port}`, credentials: creds });
    expect(p.profiles).toHaveLength(2);
  });

  it('falls back to Media1 when Media2 lists profiles without a video encoder', async () => {
    const s = await sim({ quirks: { media2WithoutVideo: true } });
    const p = await probeCamera({ target: `127.0.0.1:${s.port}`, credentials: creds });
    expect(p.profiles.map((x) => [x.token, x.service, x.encoding])).toEqual([
      ['Profile_1', 'media', 'H264'],
      ['Profile_2', 'media', 'H264'],
    ]);
    expect(s.log.some((l) => l === '/onvif/Media GetProfiles')).toBe(true);
  });
});

describe('addresses from the camera that are not addresses', () => {
  it('a service address "htt" ends probe and add with one sentence naming it, not "Invalid URL"', async () => {
    const s = await sim({ quirks: { media2Address: 'htt' } });
    const err = await probeCamera({ target: `127.0.0.1:${s.port}`, credentials: creds }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OnvifReplyError);
    expect((err as Error).message).toMatch(/the media2 service address "htt" is not a URL/);
    process.env['TEST_QUIRK_PW'] = creds.password;
    for (const cmd of [['camera', 'probe', `127.0.0.1:${s.port}`], ['camera', 'add', '--config', '/nonexistent.yaml', '--id', 'q', '--host', `127.0.0.1:${s.port}`]]) {
      const r = await runCameraCli([...cmd, '--user', 'admin', '--password-env', 'TEST_QUIRK_PW']);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/edge-agent: .*the media2 service address "htt"/);
      expect(r.err).not.toMatch(RAW);
    }
  });

  it('a probe target that is not an address is a usage sentence, without the password it carries', async () => {
    for (const target of ['http://[', `http://admin:${creds.password}@[`]) {
      const r = await runCameraCli(['camera', 'probe', target]);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/is not a camera address/);
      expect(r.err).not.toMatch(RAW);
      expect(r.err).not.toContain(creds.password);
    }
  });
});

describe('camera probe never prints a password', () => {
  it('strips credentials from the target URL and from the URIs the camera returns', async () => {
    const s = await sim({ quirks: { uriCredentials: 'admin:Embedded-pw-9' } });
    const target = `http://admin:${creds.password}@127.0.0.1:${s.port}/onvif/device_service`;
    for (const json of [false, true]) {
      const r = await runCameraCli(['camera', 'probe', target, ...(json ? ['--json'] : [])]);
      expect(r.code, r.err).toBe(0);
      expect(r.out + r.err).not.toContain(creds.password);
      expect(r.out + r.err).not.toContain('Embedded-pw-9');
      expect(r.out).toContain(`127.0.0.1:${s.port}`);
      expect(r.out).toMatch(/rtsp:\/\/\S*127\.0\.0\.1:8554\/h26[45]/);
      expect(r.err).toMatch(/warning: a password in the address/);
    }
    // The credentials from the URL were used: the camera accepted them (profiles were listed).
    expect(s.log.filter((l) => l.endsWith('GetStreamUri')).length).toBeGreaterThanOrEqual(4);
  });
});
