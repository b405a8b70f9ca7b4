import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { checkRtspAuth, readRtspChallenge } from '../../../src/discovery/rtspAuth.js';
import { leaked, startImpostor, type Impostor } from '../../helpers/cameraSim/impostor.js';
import { STREET } from '../../helpers/media.js';
import { freePort } from '../../helpers/ports.js';
import { startRtspServer, type RtspServer } from '../../helpers/rtspServer.js';

// Before a camera's password goes to GStreamer, the RTSP server is asked, without credentials,
// which authentication it wants: Digest (or none) is fine, Basic only when the camera config
// allows it. Against the real GstRtspServer in each mode, and a fake server that asks for Basic.

const USER = 'admin';
const PASSWORD = 'Rtsp-pw-3';
const servers: RtspServer[] = [];
const others: { stop(): Promise<void> }[] = [];
afterAll(async () => Promise.all([...servers, ...others].map((s) => s.stop())));

async function rtsp(scheme?: 'basic' | 'digest'): Promise<RtspServer> {
  const s = await startRtspServer(STREET, scheme ? { user: USER, password: PASSWORD, scheme } : undefined);
  servers.push(s);
  return s;
}

describe('RTSP authentication check', () => {
  it('accepts a server that asks for Digest, and one that asks for nothing', async () => {
    const digest = await rtsp('digest');
    const uri = digest.url('h264', `${USER}:${PASSWORD}`);
    expect(await readRtspChallenge(uri, 5000)).toEqual({ status: 401, schemes: ['digest'] });
    expect(await checkRtspAuth(uri, { allowBasic: false, timeoutMs: 5000 })).toEqual({ ok: true });
    const open = await rtsp();
    expect(await checkRtspAuth(open.url('h264'), { allowBasic: false, timeoutMs: 5000 })).toEqual({ ok: true });
  });

  it('refuses a server that offers only Basic unless the camera allows Basic', async () => {
    const basic = await rtsp('basic');
    const uri = basic.url('h264', `${USER}:${PASSWORD}`);
    expect(await readRtspChallenge(uri, 5000)).toEqual({ status: 401, schemes: ['basic'] });
    const refused = await checkRtspAuth(uri, { allowBasic: false, timeoutMs: 5000 });
    expect(refused).toMatchObject({ ok: false, reason: expect.stringMatching(/offers only Basic authentication.*rtsp_auth: basic/) as unknown });
    expect(JSON.stringify(refused)).not.toContain(PASSWORD);
    expect(await checkRtspAuth(uri, { allowBasic: true, timeoutMs: 5000 })).toEqual({ ok: true });
  });

  it('sends no credentials to a fake server asking for Basic', async () => {
    const port = await freePort();
    const fake: Impostor = await startImpostor({ host: '127.0.0.3', rtspPort: port, serial: 'x' });
    others.push(fake);
    const r = await checkRtspAuth(`rtsp://${USER}:${PASSWORD}@127.0.0.3:${port}/Streaming/Channels/102`, { allowBasic: false, timeoutMs: 5000 });
    expect(r.ok).toBe(false);
    expect(fake.rtsp).toHaveLength(1);
    expect(fake.rtsp[0]).toMatch(/^DESCRIBE rtsp:\/\/127\.0\.0\.3:\d+\/Streaming\/Channels\/102 RTSP\/1\.0\r\n/);
    expect(fake.rtsp[0]).not.toMatch(/authorization/i);
    expect(leaked(fake.rtsp, USER, PASSWORD)).toEqual([]);
  });

  it('reports an unreachable, silent or non-RTSP server as a reason, never a throw', async () => {
    const closed = await freePort();
    expect(await checkRtspAuth(`rtsp://127.0.0.1:${closed}/x`, { allowBasic: false, timeoutMs: 2000 })).toMatchObject({ ok: false, reason: /cannot reach 127\.0\.0\.1:\d+ \(ECONNREFUSED\)/ });
    const open = new Set<Socket>();
    const keep = (s: Socket) => (open.add(s), s.resume());
    const silent: Server = createServer(keep);
    const http: Server = createServer((s) => keep(s).end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    for (const srv of [silent, http]) {
      await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', () => resolve()));
      others.push({ stop: () => new Promise<void>((resolve) => (open.forEach((s) => s.destroy()), srv.close(() => resolve()))) });
    }
    const port = (s: Server) => (s.address() as { port: number }).port;
    expect(await checkRtspAuth(`rtsp://127.0.0.1:${port(silent)}/x`, { allowBasic: false, timeoutMs: 300 })).toMatchObject({ ok: false, reason: /no RTSP reply within 300 ms/ });
    expect(await checkRtspAuth(`rtsp://127.0.0.1:${port(http)}/x`, { allowBasic: false, timeoutMs: 2000 })).toMatchObject({ ok: false, reason: /did not answer like an RTSP server/ });
    expect(await checkRtspAuth('rtsp://in:cp', { allowBasic: false, timeoutMs: 2000 })).toMatchObject({ ok: false, reason: /does not parse/ });
    expect(await checkRtspAuth('http://127.0.0.1/x', { allowBasic: false, timeoutMs: 2000 })).toMatchObject({ ok: false, reason: /not an rtsp/ });
  });
});
