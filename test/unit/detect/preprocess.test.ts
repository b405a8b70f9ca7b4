import { describe, expect, it } from 'vitest';
import { Preprocessor } from '../../../src/detect/preprocess.js';

function frame(w: number, h: number, bgr: [number, number, number]) {
  const data = Buffer.alloc(w * h * 3);
  for (let i = 0; i < w * h; i++) data.set(bgr, i * 3);
  return { data, width: w, height: h };
}

describe('Preprocessor', () => {
  it('writes planar channels top-left and pads the rest with the pad value', () => {
    const p = new Preprocessor(4, 4, 114, 'BGR');
    const out = p.fill(frame(2, 1, [10, 20, 30]));
    const plane = 16;
    expect([out[0], out[plane], out[2 * plane]]).toEqual([10, 20, 30]);
    expect([out[1], out[plane + 1], out[2 * plane + 1]]).toEqual([10, 20, 30]);
    expect(out[2]).toBe(114); // right of the picture
    expect(out[4]).toBe(114); // row below
    expect(out[2 * plane + 15]).toBe(114);
  });

  it('swaps channels for an RGB model', () => {
    const out = new Preprocessor(2, 2, 0, 'RGB').fill(frame(1, 1, [10, 20, 30]));
    expect([out[0], out[4], out[8]]).toEqual([30, 20, 10]);
  });

  it('reuses one buffer and repaints padding when the size changes', () => {
    const p = new Preprocessor(4, 4, 114, 'BGR');
    const a = p.fill(frame(4, 4, [1, 1, 1]));
    const b = p.fill(frame(2, 2, [5, 5, 5]));
    expect(b).toBe(a);
    expect(b[3]).toBe(114);
    expect(b[0]).toBe(5);
  });

  it('rejects a frame larger than the input or a short buffer', () => {
    const p = new Preprocessor(4, 4, 114, 'BGR');
    expect(() => p.fill(frame(5, 4, [0, 0, 0]))).toThrow(RangeError);
    expect(() => p.fill({ data: Buffer.alloc(3), width: 2, height: 2 })).toThrow(/expected 12/);
  });
});
