import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log/logger.js';
import { GstFrameSource, type GstSourceOptions } from '../../src/stream/gstFrameSource.js';
import { StreamWatchdog } from '../../src/stream/watchdog.js';
import { StreamError } from '../../src/errors.js';
import { jsonLines, runCli, STREET, tempDir } from '../helpers/media.js';
import { startRtspServer, type RtspServer } from '../helpers/rtspServer.js';

function source(uri: string, extra: Partial<GstSourceOptions> = {}): GstFrameSource {
  return new GstFrameSource({
    cameraId: 'cam-rtsp', uri, maxFps: 5, fitWidth: 416, fitHeight: 416,
    rtspTransport: 'tcp', rtspLatencyMs: 100, stallTimeoutS: 3, grey: { width: 160, height: 120 }, ...extra,
  });
}

describe('RTSP cameras', () => {
  let server: RtspServer;
  beforeAll(async () => {
    server = await startRtspServer(STREET);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it.each(['h264', 'h265'] as const)('decodes %s, scaled in GStreamer, with source size and grey frames', async (mount) => {
    const s = source(server.url(mount));
    await s.start();
    const frames = [];
    for (let i = 0; i < 5; i++) frames.push((await s.next())!);
    s.stop();
    expect(s.live).toBe(true);
    expect(frames.map((f) => f.seq)).toEqual([0, 1, 2, 3, 4]);
    for (const f of frames) {
      expect(f).toMatchObject({ cameraId: 'cam-rtsp', width: 416, height: 312, sourceWidth: 768, sourceHeight: 576 });
      expect(f.data.length).toBe(416 * 312 * 3);
      expect(f.grey).toMatchObject({ width: 160, height: 120 });
      expect(f.grey!.data.length).toBe(160 * 120);
    }
    // Live frames are stamped on arrival and paced by the camera, not delivered in a burst.
    expect(frames[4]!.ts).toBeGreaterThan(frames[0]!.ts);
    expect(s.decoderName).toMatch(mount === 'h264' ? /h264/ : /h265|265/);
  });

  it('reports a camera that stops sending as stalled, distinct from a refused connection', async () => {
    const s = source(server.url('h264'));
    await s.start();
    expect(await s.next()).not.toBeNull();
    server.pause();
    try {
      const err = await s.next().then(async () => {
        // A frame already in flight may still arrive; the next one cannot.
        for (;;) await s.next();
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StreamError);
      expect((err as StreamError).kind).toBe('stalled');
      expect((err as StreamError).message).toContain('sent no frame for 3 s');
    } finally {
      server.resume();
      s.stop();
    }
    const refused = source('rtsp://127.0.0.1:9/none');
    await refused.start();
    const err2 = await refused.next().catch((e: unknown) => e);
    refused.stop();
    expect((err2 as StreamError).kind).toBe('connection');
  });

  it('recovers on its own when the camera restarts', async () => {
    const states: string[] = [];
    const wd = new StreamWatchdog(() => source(server.url('h264')), { minBackoffMs: 200, maxBackoffMs: 1000, maxFailures: Infinity }, createLogger('silent'), {
      onState: (s) => states.push(s),
    });
    let n = 0;
    for await (const _frame of wd.frames()) {
      n++;
      if (n === 3) await server.restart();
      if (n === 8) break;
    }
    wd.stop();
    expect(states).toContain('offline');
    expect(states.filter((s) => s === 'online').length).toBeGreaterThanOrEqual(2);
    expect(wd.restarts).toBeGreaterThanOrEqual(1);
  });

  it('edge-agent run detects on an RTSP camera and stops cleanly on SIGTERM', async () => {
    const cfg = oneCameraConfig('street-rtsp', `rtsp://viewer:\${CAM_PASS}@127.0.0.1:${server.port}/h264`);
    const r = await runCli(['run', '--config', cfg], {
      env: { CAM_PASS: 'not-a-real-secret' },
      onSpawn: (kill, out) => {
        const poll = setInterval(() => {
          if ((out().match(/"msg":"detections"/g) ?? []).length >= 3) {
            clearInterval(poll);
            kill('SIGTERM');
          }
        }, 200);
      },
    });
    expect(r.code, r.stderr).toBe(0);
    const logs = jsonLines<{ msg: string; camera?: string; detections?: { label: string }[] }>(r.stderr);
    const dets = logs.filter((l) => l.msg === 'detections');
    expect(dets.length).toBeGreaterThanOrEqual(3);
    expect(dets[0]!.camera).toBe('street-rtsp');
    expect(dets.flatMap((l) => l.detections!).some((d) => d.label === 'person')).toBe(true);
    expect(logs.map((l) => l.msg)).toEqual(expect.arrayContaining(['camera online', 'stopping', 'agent stopped']));
    expect(r.stderr).not.toContain('not-a-real-secret');
  });
});

describe('edge-agent run on a recorded file', () => {
  it('runs every configured camera to the end of its file, logging detections at debug level', async () => {
    const cfg = oneCameraConfig('street-1', `file://${STREET}`);
    const r = await runCli(['run', '--config', cfg]);
    expect(r.code, r.stderr).toBe(0);
    const logs = jsonLines<{ msg: string; counters?: Record<string, { frames: number; state: string }> }>(r.stderr);
    expect(logs.filter((l) => l.msg === 'detections').length).toBeGreaterThan(300);
    const end = logs.find((l) => l.msg === 'agent stopped')!;
    expect(end.counters!['street-1']).toMatchObject({ state: 'ended' });
    expect(end.counters!['street-1']!.frames).toBeGreaterThanOrEqual(390);
  });

  it('refuses a bad config with every problem listed and exit code 2', async () => {
    const dir = tempDir();
    const cfg = join(dir, 'bad.yaml');
    writeFileSync(cfg, 'gateway: { id: gw, province: hn, commune: c1, extra: 1 }\ncameras:\n  - id: Cam 1\n    source: file:///x.mp4\n    model: nope\n');
    const r = await runCli(['run', '--config', cfg]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('gateway.extra (line 1): unknown key "extra"');
    expect(r.stderr).toContain('cameras[0].id (line 3): "Cam 1" does not have the expected form');
    const v = await runCli(['config', 'validate', cfg]);
    expect(v.code).toBe(2);
    expect(v.stderr).toBe(r.stderr);
  });
});

/** A config file for one camera at 5 fps with per-frame detection logs, in a fresh folder. */
function oneCameraConfig(id: string, source: string): string {
  const cfg = join(tempDir(), 'edge.yaml');
  writeFileSync(cfg, `gateway: { id: gw-t, province: hn, commune: c1 }
logging: { level: debug }
outbox: { path: outbox.db }
cameras:
  - id: ${id}
    source: ${source}
    detect_fps: 5
`);
  return cfg;
}
