import { describe, expect, it } from 'vitest';
import { frame, stage } from './helpers.js';

const W = 160;
const H = 120;

/** A street-like textured picture; `shift` moves the texture so consecutive pictures differ. */
function textured(shift = 0): Buffer {
  const d = Buffer.alloc(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) d[y * W + x] = 40 + (((x + shift) * 37 + y * 91) % 170);
  return d;
}
const black = () => Buffer.alloc(W * H, 3);
const uniform = () => Buffer.alloc(W * H, 128);
/** A smooth left-to-right ramp: plenty of contrast, no edges, like a sprayed or defocused lens. */
function ramp(): Buffer {
  const d = Buffer.alloc(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) d[y * W + x] = Math.round((x / (W - 1)) * 255);
  return d;
}

const health = { enabled: true, noFrameS: 5, frozenS: 20, badS: 10, clearS: 10 };

function feed(s: ReturnType<typeof stage>['stage'], t0: number, seconds: number, pic: (i: number) => Buffer): number {
  let ts = t0;
  for (let i = 0; i < seconds; i++) {
    ts = t0 + i * 1000;
    s.onFrame(frame(ts, pic(i), W, H), []);
  }
  return ts;
}

describe('camera health', () => {
  it('no_frames: start after no_frame_s without frames (tick), end on the next frame', () => {
    const { stage: s, alerts } = stage({ health });
    s.tick(0);
    s.tick(4000);
    expect(alerts).toEqual([]);
    s.tick(5000);
    s.tick(6000);
    s.onFrame(frame(7000, textured(), W, H), []);
    expect(alerts.map((a) => [a.rule, a.kind, a.type, a.class, a.ts])).toEqual([
      ['no_frames', 'health', 'start', 'health', 5000],
      ['no_frames', 'health', 'end', 'health', 7000],
    ]);
    expect(alerts[1]!.data).toEqual({ silentS: 0, startId: alerts[0]!.id });
    // a healthy stream never raises it
    feed(s, 8000, 30, (i) => textured(i));
    for (let t = 8000; t < 38_000; t += 1000) s.tick(t);
    expect(alerts).toHaveLength(2);
  });

  it('obstructed: dark, then uniform, then blurred pictures each start after bad_s and end after clear_s', () => {
    for (const [pic, reason] of [[black, 'dark'], [uniform, 'uniform'], [ramp, 'blurred']] as const) {
      const { stage: s, alerts } = stage({ health: { ...health, frozenS: 3600 } });
      feed(s, 0, 10, (i) => textured(i));
      feed(s, 10_000, 15, pic);
      feed(s, 25_000, 15, (i) => textured(i));
      expect(alerts.map((a) => [a.rule, a.type, a.ts, a.data?.['reason']])).toEqual([
        ['obstructed', 'start', 20_000, reason],
        ['obstructed', 'end', 35_000, undefined],
      ]);
    }
  });

  it('frozen: identical pictures for frozen_s, ends once they change for clear_s', () => {
    const { stage: s, alerts } = stage({ health });
    feed(s, 0, 10, (i) => textured(i));
    const still = textured(5);
    feed(s, 10_000, 30, () => still);
    feed(s, 40_000, 15, (i) => textured(i));
    // the first still picture differs from the one before; identical from t=11 s, 20 s later
    expect(alerts.map((a) => [a.rule, a.type, a.ts])).toEqual([
      ['frozen', 'start', 31_000],
      ['frozen', 'end', 50_000],
    ]);
  });

  it('stays quiet on a live textured picture', () => {
    const { stage: s, alerts } = stage({ health });
    feed(s, 0, 120, (i) => textured(i % 7));
    expect(alerts).toEqual([]);
  });
});
