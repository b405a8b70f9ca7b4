import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { checkEvents } from '../../../src/config/eventsSchema.js';
import { ConfigError } from '../../../src/errors.js';
import { benchEvents } from '../../../src/track/benchEvents.js';
import { EventStage } from '../../../src/track/eventStage.js';
import { SnapshotStore } from '../../../src/track/snapshotStore.js';
import { snapshotsIdle } from '../../../src/track/snapshotWorkerClient.js';
import type { Alert, Frame } from '../../../src/types.js';
import { det, eventsConfig, frame, silentLog, stage } from './helpers.js';

const W = 160;
const H = 120;
function scene(blockX?: number): Buffer {
  const d = Buffer.alloc(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) d[y * W + x] = 50 + ((x * 7 + y * 13) % 60);
  if (blockX !== undefined) for (let y = 50; y < 70; y++) d.fill(250, y * W + blockX, y * W + blockX + 16);
  return d;
}
const tmp = () => mkdtempSync(join(tmpdir(), 'events-'));

describe('event stage', () => {
  it('skips inference on a still scene with only a parked car, and infers again when something moves', () => {
    const { stage: s } = stage({ tracker: { minHits: 2, stationaryS: 5 }, motion: { forceIntervalS: 0 } });
    const parked = [det('car', 300, 300, 120, 60)];
    const decisions: boolean[] = [];
    for (let i = 0; i < 20; i++) {
      const f = frame(i * 1000, scene(), W, H);
      const infer = s.needsInference(f);
      decisions.push(infer);
      s.onFrame(f, infer ? parked : null);
    }
    // the first frame seeds the background; the car counts as moving until it has stood for 5 s
    expect(decisions.indexOf(false)).toBe(6);
    expect(decisions.slice(6).every((d) => !d)).toBe(true);
    const f = frame(20_000, scene(80), W, H);
    expect(s.needsInference(f)).toBe(true);
    s.onFrame(f, parked);
    expect(s.stats()).toMatchObject({ framesProcessed: 7, framesSkipped: 14, tracksActive: 1 });
  });

  it('rejects a config whose rules name unknown zones or lines, listing every problem', () => {
    const cfg = eventsConfig({
      zones: [{ name: 'a', polygon: [[0, 0], [1, 0], [1, 1]] }],
      lines: [{ name: 'l', a: [0, 0.5], b: [1, 0.5] }],
      rules: [
        { name: 'r1', kind: 'zone_entry', zone: 'b' },
        { name: 'r2', kind: 'wrong_way', line: 'l' },
        { name: 'r3', kind: 'loitering' },
        { name: 'r3', kind: 'line_crossing', line: 'l', zone: 'a' },
      ],
    });
    expect(checkEvents(cfg, 'cameras[0].events')).toEqual([
      'cameras[0].events.rules[3].name: "r3" is used twice',
      'cameras[0].events.rules[0].zone: unknown zone "b"; known zones: a',
      'cameras[0].events.rules[1].line: line "l" allows both directions, so nothing can be wrong_way; set its direction',
      'cameras[0].events.rules[2].zone: a loitering rule needs a zone',
      'cameras[0].events.rules[3].zone: a line_crossing rule does not use a zone',
    ]);
    expect(() => stage({ rules: [{ name: 'r1', kind: 'zone_entry', zone: 'b' }] })).toThrow(ConfigError);
    expect(checkEvents(eventsConfig({}), 'e')).toEqual([]);
  });

  it('keeps a JPEG snapshot of the triggering frame, with the box drawn, and names it in the alert', async () => {
    const dir = tmp();
    const alerts: Alert[] = [];
    const s = new EventStage(
      eventsConfig({
        zones: [{ name: 'all', polygon: [[0, 0], [1, 0], [1, 1], [0, 1]] }],
        rules: [{ name: 'any', kind: 'zone_entry', zone: 'all', cooldownS: 0 }],
        tracker: { minHits: 1 },
        health: { enabled: false },
      }),
      { gatewayId: 'gw', cameraId: 'cam-1', modelId: 'm', snapshotDir: dir, snapshotMaxBytes: 1e6 },
      { emit: (a) => alerts.push(a) },
      silentLog,
    );
    const f: Frame = { ...frame(0), data: Buffer.alloc(64 * 48 * 3, 100), width: 64, height: 48 };
    s.onFrame(f, [det('person', 250, 250, 500, 500)]);
    expect(alerts).toHaveLength(1);
    const path = alerts[0]!.snapshot!;
    expect(path).toBe(join(dir, `${alerts[0]!.id}.jpg`));
    await snapshotsIdle(); // encoded on the snapshot worker thread, written after the alert
    const img = jpeg.decode(readFileSync(path), { useTArray: true });
    expect([img.width, img.height]).toEqual([64, 48]);
    const px = (x: number, y: number) => [...img.data.subarray((y * 64 + x) * 4, (y * 64 + x) * 4 + 3)];
    // box x 0.25..0.75, y 0.25..0.75 of 64×48: outline at x=16, inside grey
    expect(px(16, 24)[0]).toBeGreaterThan(200);
    expect(px(32, 24)[0]).toBeLessThan(130);
    expect(s.stats().snapshots).toEqual({ written: 1, failed: 0, evicted: 0 });
  });

  it('benchEvents times the tracker and rules over a detection sequence', () => {
    const seq = Array.from({ length: 50 }, (_v, i) => ({
      ts: i * 200, sourceWidth: 1000, sourceHeight: 1000, detections: i % 5 === 4 ? null : [det('car', 100 + i * 10, 500, 100, 60)],
    }));
    const r = benchEvents(seq, eventsConfig({ lines: [{ name: 'l', a: [0.4, 0], b: [0.4, 1], countIntervalS: 0 }] }), silentLog);
    expect(r.frames).toBe(50);
    expect(r.trackRulesMsPerFrame).toBeGreaterThan(0);
    expect(r.stats).toMatchObject({ framesProcessed: 40, framesSkipped: 10, countsByLine: { l: { car: { leftToRight: 0, rightToLeft: 1 } } } });
  });
});

describe('snapshot store', () => {
  const f: Frame = { ...frame(0), data: Buffer.alloc(64 * 48 * 3), width: 64, height: 48 };
  for (let i = 0; i < f.data.length; i++) f.data[i] = (i * 31) % 251; // noise: every JPEG is about the same size

  it('deletes the oldest files, including an earlier run\'s, to stay under the cap', () => {
    const dir = tmp();
    writeFileSync(join(dir, '00000000-old.jpg'), Buffer.alloc(3000));
    const store = new SnapshotStore({ dir, maxBytes: 12_000, maxWidth: 640, quality: 75 }, silentLog);
    const names = ['01a', '01b', '01c', '01d', '01e'];
    for (const n of names) expect(store.save(f, undefined, n)).toBe(join(dir, `${n}.jpg`));
    const kept = readdirSync(dir).sort();
    const total = kept.reduce((sum, n) => sum + readFileSync(join(dir, n)).length, 0);
    expect(total).toBeLessThanOrEqual(12_000);
    expect(kept).not.toContain('00000000-old.jpg');
    expect(kept.at(-1)).toBe('01e.jpg');
    expect(store.counts.written).toBe(5);
    expect(store.counts.evicted).toBe(6 - kept.length);
  });

  it('downscales to max_width', () => {
    const dir = tmp();
    const path = new SnapshotStore({ dir, maxBytes: 1e6, maxWidth: 32, quality: 75 }, silentLog).save(f, undefined, 'x')!;
    const img = jpeg.decode(readFileSync(path));
    expect([img.width, img.height]).toEqual([32, 24]);
  });

  it('never throws: a folder that cannot be created is logged and counted', () => {
    const file = join(tmp(), 'not-a-dir');
    writeFileSync(file, 'x');
    const store = new SnapshotStore({ dir: join(file, 'snaps'), maxBytes: 1e6, maxWidth: 640, quality: 75 }, silentLog);
    expect(store.save(f, undefined, 'a')).toBeUndefined();
    expect(store.counts).toEqual({ written: 0, failed: 1, evicted: 0 });
    expect(existsSync(join(file, 'snaps'))).toBe(false);
  });
});
