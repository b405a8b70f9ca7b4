import type { Frame } from '../../types.js';

type Grey = NonNullable<Frame['grey']>;

/** Picture measures for camera health. The object is reused: read it before the next call. */
export interface GreyMeasures {
  /** Mean grey level, 0..255. */
  mean: number;
  /** Standard deviation of the grey level. */
  std: number;
  /** Variance of the 4-neighbour Laplacian: low when the picture has no edges (blur, spray). */
  sharpness: number;
  /** Mean absolute difference from the previous picture; Infinity for the first one. */
  diff: number;
}

/** Measures grey pictures one after another, keeping a copy of the last one for the difference. */
export class GreyMeter {
  private prev = new Uint8Array(0);
  private hasPrev = false;
  private readonly m: GreyMeasures = { mean: 0, std: 0, sharpness: 0, diff: Infinity };

  /** Reads `grey` during the call only. */
  measure(grey: Grey): GreyMeasures {
    const { width: w, height: h } = grey;
    const stride = Math.floor(grey.data.length / h);
    const n = w * h;
    if (this.prev.length !== n) {
      this.prev = new Uint8Array(n);
      this.hasPrev = false;
    }
    const d = grey.data;
    let sum = 0;
    let sum2 = 0;
    let diff = 0;
    for (let y = 0, i = 0; y < h; y++) {
      for (let x = 0; x < w; x++, i++) {
        const v = d[y * stride + x]!;
        sum += v;
        sum2 += v * v;
        diff += Math.abs(v - this.prev[i]!);
        this.prev[i] = v;
      }
    }
    this.m.mean = sum / n;
    this.m.std = Math.sqrt(Math.max(0, sum2 / n - this.m.mean * this.m.mean));
    this.m.sharpness = laplacianVariance(d, w, h, stride);
    this.m.diff = this.hasPrev ? diff / n : Infinity;
    this.hasPrev = true;
    return this.m;
  }
}

function laplacianVariance(d: Buffer, w: number, h: number, stride: number): number {
  let s = 0;
  let s2 = 0;
  let n = 0;
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * stride + x;
      const v = d[i - 1]! + d[i + 1]! + d[i - stride]! + d[i + stride]! - 4 * d[i]!;
      s += v;
      s2 += v * v;
      n++;
    }
  }
  return n > 0 ? s2 / n - (s / n) ** 2 : 0;
}
