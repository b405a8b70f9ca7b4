import { describe, expect, it } from 'vitest';
import { Value } from '@sinclair/typebox/value';
import { MotionSchema, type MotionConfig } from '../../../src/config/eventsSchema.js';
import { InferenceGate, MotionGate } from '../../../src/motion/motionGate.js';
import { rasterisePolygons } from '../../../src/motion/polygonMask.js';
import { greySlices, measureMotionSkip } from '../../../src/motion/measureSkip.js';
import type { Frame } from '../../../src/types.js';

const W = 160;
const H = 120;

function motionCfg(over: Partial<MotionConfig> = {}): MotionConfig {
  return { ...Value.Default(MotionSchema, {}), ...over } as MotionConfig;
}

/** A textured static scene with an optional bright 12×12 block at (bx, by). */
function picture(block?: { x: number; y: number }): Buffer {
  const data = Buffer.alloc(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) data[y * W + x] = 60 + ((x * 7 + y * 13) % 40);
  if (block) {
    for (let y = block.y; y < block.y + 12; y++) for (let x = block.x; x < block.x + 12; x++) data[y * W + x] = 240;
  }
  return data;
}

function frame(ts: number, grey: Buffer): Frame {
  return {
    cameraId: 'cam-1', seq: ts / 100, ts, ptsMs: ts, sourceWidth: 640, sourceHeight: 480,
    data: Buffer.alloc(0), width: 0, height: 0, grey: { data: grey, width: W, height: H },
  };
}

describe('motion gate', () => {
  it('sees no motion in a static scene after the first frame', () => {
    const gate = new MotionGate(motionCfg());
    const still = picture();
    expect(gate.detect({ data: still, width: W, height: H }).motion).toBe(true);
    for (let i = 0; i < 20; i++) expect(gate.detect({ data: still, width: W, height: H }).motion).toBe(false);
  });

  it('sees a moving block', () => {
    const gate = new MotionGate(motionCfg());
    gate.detect({ data: picture(), width: W, height: H });
    const r = gate.detect({ data: picture({ x: 40, y: 40 }), width: W, height: H });
    expect(r.motion).toBe(true);
    expect(r.changedFraction).toBeCloseTo(144 / (W * H), 4);
  });

  it('ignores motion inside a mask, but not outside it', () => {
    const mask: [number, number][] = [[0, 0], [0.5, 0], [0.5, 0.5], [0, 0.5]];
    const gate = new MotionGate(motionCfg({ masks: [mask] }));
    gate.detect({ data: picture(), width: W, height: H });
    expect(gate.detect({ data: picture({ x: 20, y: 20 }), width: W, height: H }).motion).toBe(false);
    expect(gate.detect({ data: picture({ x: 120, y: 90 }), width: W, height: H }).motion).toBe(true);
  });

  it('respects the minimum changed area', () => {
    const gate = new MotionGate(motionCfg({ minArea: 0.01 }));
    gate.detect({ data: picture(), width: W, height: H });
    expect(gate.detect({ data: picture({ x: 40, y: 40 }), width: W, height: H }).motion).toBe(false);
  });

  it('reads rows with padding (GStreamer aligns GRAY8 rows to 4 bytes)', () => {
    const w = 10;
    const stride = 12;
    const gate = new MotionGate(motionCfg());
    const a = Buffer.alloc(stride * 8, 50);
    gate.detect({ data: a, width: w, height: 8 });
    const b = Buffer.from(a);
    b.fill(255, 0, 12); // padding bytes of row 0 change the whole row only in the padding: 10..11
    b.fill(50, 0, 10);
    expect(gate.detect({ data: b, width: w, height: 8 }).motion).toBe(false);
  });

  it('rasterises a polygon once, by pixel centres', () => {
    const m = rasterisePolygons([[[0, 0], [0.5, 0], [0.5, 1], [0, 1]]], 4, 2);
    expect([...m]).toEqual([1, 1, 0, 0, 1, 1, 0, 0]);
  });
});

describe('inference gate', () => {
  it('skips still frames without live tracks, infers with them, and forces one every interval', () => {
    const gate = new InferenceGate(motionCfg({ forceIntervalS: 10 }));
    const still = picture();
    const decisions: boolean[] = [];
    for (let i = 0; i <= 25; i++) decisions.push(gate.decide(frame(i * 1000, still), false));
    // The first frame seeds the background; then one forced inference per 10 s, at the camera's own
    // phase within the interval (so cameras started together do not all force at once).
    expect(decisions[0]).toBe(true);
    const forced = decisions.map((d, i) => (d ? i : -1)).filter((i) => i > 0);
    expect(forced[0]).toBeLessThanOrEqual(10);
    expect(forced.slice(1).map((t, k) => t - forced[k]!)).toEqual(forced.length > 2 ? [10, 10] : [10]);
    expect(gate.decide(frame(26_000, still), true)).toBe(true);
    expect(gate.decide(frame(27_000, picture({ x: 60, y: 60 })), false)).toBe(true);
    expect({ processed: gate.processed, skipped: gate.skipped }).toEqual({ processed: 3 + forced.length, skipped: 25 - forced.length });
  });

  it('gives cameras different phases for their forced inference, the same one every run', () => {
    const firstForced = (cameraId: string) => {
      const gate = new InferenceGate(motionCfg({ forceIntervalS: 10 }));
      const still = picture();
      for (let t = 0; t <= 20_000; t += 100) if (gate.decide({ ...frame(t, still), cameraId }, false) && t > 0) return t;
      return -1;
    };
    const phases = ['cam-1', 'cam-2', 'cam-3', 'cam-4', 'cam-5', 'cam-6'].map(firstForced);
    expect(new Set(phases).size).toBeGreaterThanOrEqual(4);
    expect(phases.every((t) => t > 0 && t <= 10_000)).toBe(true);
    expect(firstForced('cam-3')).toBe(phases[2]);
  });

  it('infers every frame when disabled or without a grey picture', () => {
    const off = new InferenceGate(motionCfg({ enabled: false }));
    expect([0, 1, 2].map((i) => off.decide(frame(i * 100, picture()), false))).toEqual([true, true, true]);
    const on = new InferenceGate(motionCfg());
    const f = frame(0, picture());
    delete f.grey;
    expect(on.decide(f, false)).toBe(true);
  });

  it('measures the skip fraction over a raw grey sequence', () => {
    const raw = Buffer.concat([picture(), picture(), picture(), picture({ x: 10, y: 10 })]);
    const r = measureMotionSkip(greySlices(raw, W, H), W, H, motionCfg());
    expect(r).toMatchObject({ frames: 4, stillFrames: 2, skipFraction: 0.5 });
  });
});
