import { afterEach, describe, expect, it } from 'vitest';
import { composeAgent } from '../../src/compose.js';
import { loadConfig } from '../../src/config/loadConfig.js';
import { createLogger } from '../../src/log/logger.js';
import type { CameraState } from '../../src/stream/watchdog.js';
import { STREET, tempDir } from '../helpers/media.js';
import { startRtspServer, type RtspServer } from '../helpers/rtspServer.js';
import { writeSiteConfig } from '../helpers/site.js';

// A camera's password goes to an RTSP server only when it asks for Digest, or when the camera's
// config explicitly allows Basic (which sends the password in clear).

const servers: RtspServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

async function firstState(scheme: 'basic' | 'digest', rtspAuth?: 'basic'): Promise<{ state: CameraState; error?: string }> {
  const rtsp = await startRtspServer(STREET, { user: 'viewer', password: 'pa55', scheme });
  servers.push(rtsp);
  const dir = tempDir();
  const path = writeSiteConfig(dir, [{ id: 'cam-1', source: rtsp.url('h264', 'viewer:pa55'), ...(rtspAuth ? { rtsp_auth: rtspAuth } : {}) }]);
  let settled: ((s: { state: CameraState; error?: string }) => void) | undefined;
  const result = new Promise<{ state: CameraState; error?: string }>((r) => (settled = r));
  const agent = await composeAgent(loadConfig(path), path, createLogger('silent'), {
    sink: { emit: () => undefined },
    onCameraState: (_id, state, error) => {
      if (state === 'online' || state === 'offline') settled?.({ state, error: error?.message });
    },
  });
  await agent.start();
  try {
    return await result;
  } finally {
    await agent.stop();
  }
}

describe('camera password over RTSP', () => {
  it('is not handed to a server that offers only Basic: the camera is offline with the reason', async () => {
    const r = await firstState('basic');
    expect(r.state).toBe('offline');
    expect(r.error).toMatch(/Basic/);
    expect(r.error).not.toContain('pa55');
  });

  it('goes to a server that asks for Digest', async () => {
    expect((await firstState('digest')).state).toBe('online');
  });

  it('goes to a Basic-only server when the camera config says rtsp_auth: basic', async () => {
    expect((await firstState('basic', 'basic')).state).toBe('online');
  });
});
