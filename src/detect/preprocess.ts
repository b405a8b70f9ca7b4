import type { Frame } from '../types.js';

/**
 * Turns packed BGR frames into the model's planar float input. One instance per detector keeps one
 * tensor buffer for its lifetime: the pad area is written once, and each frame only overwrites the
 * picture area. Not safe for concurrent use (the buffer is shared between calls).
 */
export class Preprocessor {
  /** The input tensor data, [1, 3, inputH, inputW]; valid until the next fill(). */
  readonly data: Float32Array;
  private lastW = -1;
  private lastH = -1;

  constructor(
    readonly inputW: number,
    readonly inputH: number,
    private readonly pad: number,
    private readonly colour: 'BGR' | 'RGB',
  ) {
    this.data = new Float32Array(3 * inputW * inputH);
  }

  fill(frame: Pick<Frame, 'data' | 'width' | 'height'>): Float32Array {
    const { width: w, height: h, data: src } = frame;
    if (w > this.inputW || h > this.inputH) {
      throw new RangeError(`frame ${w}x${h} is larger than the model input ${this.inputW}x${this.inputH}`);
    }
    if (src.length < w * h * 3) throw new RangeError(`frame buffer holds ${src.length} bytes, expected ${w * h * 3}`);
    if (w !== this.lastW || h !== this.lastH) {
      // Size changed (first frame, or the camera's resolution changed): repaint the padding.
      this.data.fill(this.pad);
      this.lastW = w;
      this.lastH = h;
    }
    const plane = this.inputW * this.inputH;
    const out = this.data;
    // Channel order in the packed buffer is B,G,R; an RGB model reads them swapped.
    const c0 = this.colour === 'BGR' ? 0 : 2 * plane;
    const c2 = this.colour === 'BGR' ? 2 * plane : 0;
    let s = 0;
    for (let y = 0; y < h; y++) {
      let d = y * this.inputW;
      const end = d + w;
      for (; d < end; d++, s += 3) {
        out[c0 + d] = src[s]!;
        out[plane + d] = src[s + 1]!;
        out[c2 + d] = src[s + 2]!;
      }
    }
    return out;
  }
}
