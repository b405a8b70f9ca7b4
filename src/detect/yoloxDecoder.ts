import type { Detection } from '../types.js';
import type { Letterbox } from './letterbox.js';
import { nmsClasswise } from './nms.js';

export interface DecodeOptions {
  scoreThreshold: number;
  nmsIou: number;
  /** IoU above which boxes of different classes are one object (the lower score is dropped). */
  crossClassIou: number;
  /** Class ids to keep; the best of these per anchor is taken, other classes are ignored. */
  classIds: readonly number[];
}

/**
 * Decodes YOLOX head output [1, anchors, 5 + classes] (obj and class scores already sigmoid-ed).
 * The anchor grid is computed once; candidate arrays grow once to the largest count seen and are
 * reused, so steady-state decoding allocates only the returned detections.
 */
export class YoloxDecoder {
  private readonly gridX: Float32Array;
  private readonly gridY: Float32Array;
  private readonly gridS: Float32Array;
  private boxes = new Float32Array(4 * 64);
  private scores = new Float32Array(64);
  private classes = new Int32Array(64);

  constructor(
    inputW: number,
    inputH: number,
    strides: readonly number[],
    private readonly labels: readonly string[],
  ) {
    const cells = strides.reduce((n, s) => n + Math.floor(inputW / s) * Math.floor(inputH / s), 0);
    this.gridX = new Float32Array(cells);
    this.gridY = new Float32Array(cells);
    this.gridS = new Float32Array(cells);
    let k = 0;
    for (const s of strides) {
      const gw = Math.floor(inputW / s);
      const gh = Math.floor(inputH / s);
      for (let y = 0; y < gh; y++) {
        for (let x = 0; x < gw; x++, k++) {
          this.gridX[k] = x;
          this.gridY[k] = y;
          this.gridS[k] = s;
        }
      }
    }
  }

  get anchors(): number {
    return this.gridX.length;
  }

  /** `out` is the raw head output; `lb` maps letterbox pixels back to source pixels of `srcW × srcH`. */
  decode(out: Float32Array, lb: Letterbox, srcW: number, srcH: number, opt: DecodeOptions): Detection[] {
    const row = 5 + this.labels.length;
    if (out.length !== this.anchors * row) {
      throw new RangeError(`model output has ${out.length} values, expected ${this.anchors}×${row}`);
    }
    let n = 0;
    for (let a = 0; a < this.anchors; a++) {
      const o = a * row;
      const obj = out[o + 4]!;
      if (obj < opt.scoreThreshold) continue; // score = obj × cls ≤ obj: cheap early reject
      let best = -1;
      let bestScore = opt.scoreThreshold;
      for (const c of opt.classIds) {
        const sc = obj * out[o + 5 + c]!;
        if (sc >= bestScore) {
          bestScore = sc;
          best = c;
        }
      }
      if (best < 0) continue;
      if (n === this.scores.length) this.grow();
      const s = this.gridS[a]!;
      const cx = (out[o]! + this.gridX[a]!) * s;
      const cy = (out[o + 1]! + this.gridY[a]!) * s;
      const hw = (Math.exp(out[o + 2]!) * s) / 2;
      const hh = (Math.exp(out[o + 3]!) * s) / 2;
      this.boxes[4 * n] = clamp((cx - hw) * lb.scaleX, srcW);
      this.boxes[4 * n + 1] = clamp((cy - hh) * lb.scaleY, srcH);
      this.boxes[4 * n + 2] = clamp((cx + hw) * lb.scaleX, srcW);
      this.boxes[4 * n + 3] = clamp((cy + hh) * lb.scaleY, srcH);
      this.scores[n] = bestScore;
      this.classes[n] = best;
      n++;
    }
    const keep = nmsClasswise(this.boxes, this.scores, this.classes, n, opt.nmsIou, opt.crossClassIou);
    return keep.map((i) => ({
      label: this.labels[this.classes[i]!] ?? String(this.classes[i]),
      classId: this.classes[i]!,
      score: round3(this.scores[i]!),
      box: {
        x1: round1(this.boxes[4 * i]!),
        y1: round1(this.boxes[4 * i + 1]!),
        x2: round1(this.boxes[4 * i + 2]!),
        y2: round1(this.boxes[4 * i + 3]!),
      },
    }));
  }

  private grow(): void {
    const size = this.scores.length * 2;
    const boxes = new Float32Array(4 * size);
    boxes.set(this.boxes);
    const scores = new Float32Array(size);
    scores.set(this.scores);
    const classes = new Int32Array(size);
    classes.set(this.classes);
    this.boxes = boxes;
    this.scores = scores;
    this.classes = classes;
  }
}

function clamp(v: number, max: number): number {
  return v < 0 ? 0 : v > max ? max : v;
}
function round1(v: number): number {
  return Math.round(v * 10) / 10;
}
function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}
