import type { MotionConfig } from '../config/eventsSchema.js';
import type { Frame } from '../types.js';
import { rasterisePolygons } from './polygonMask.js';

type Grey = NonNullable<Frame['grey']>;

/** What the gate measured on the last frame; the object is reused, read it before the next call. */
export interface MotionResult {
  /** Fraction of the unmasked pixels that differ from the background by more than the threshold. */
  changedFraction: number;
  motion: boolean;
}

/**
 * Running-average background subtraction on the small grey picture. The background is kept as
 * floats so that a slow alpha still tracks gradual light changes instead of rounding them away.
 * All buffers are allocated on the first frame (and again only if the grey size changes).
 * Not safe for concurrent use; one gate per camera.
 */
export class MotionGate {
  private background: Float32Array = new Float32Array(0);
  private mask: Uint8Array = new Uint8Array(0);
  private unmasked = 0;
  private width = 0;
  private height = 0;
  private readonly result: MotionResult = { changedFraction: 0, motion: false };

  constructor(private readonly cfg: MotionConfig) {}

  /**
   * Compares `grey` with the background, then blends it in. The grey buffer is only read during the
   * call. The first frame (or a size change) seeds the background and counts as motion, because
   * nothing is known about the scene yet.
   */
  detect(grey: Grey): MotionResult {
    const stride = Math.floor(grey.data.length / grey.height);
    if (grey.width !== this.width || grey.height !== this.height) {
      this.reset(grey, stride);
      this.result.changedFraction = 1;
      this.result.motion = true;
      return this.result;
    }
    const { pixelThreshold, backgroundAlpha: alpha } = this.cfg;
    const bg = this.background;
    const data = grey.data;
    let changed = 0;
    for (let y = 0, i = 0; y < this.height; y++) {
      const row = y * stride;
      for (let x = 0; x < this.width; x++, i++) {
        const v = data[row + x]!;
        const b = bg[i]!;
        if (this.mask[i] === 0 && Math.abs(v - b) > pixelThreshold) changed++;
        bg[i] = b + alpha * (v - b);
      }
    }
    this.result.changedFraction = this.unmasked > 0 ? changed / this.unmasked : 0;
    this.result.motion = changed > 0 && this.result.changedFraction >= this.cfg.minArea;
    return this.result;
  }

  private reset(grey: Grey, stride: number): void {
    this.width = grey.width;
    this.height = grey.height;
    this.background = new Float32Array(grey.width * grey.height);
    for (let y = 0, i = 0; y < grey.height; y++) {
      for (let x = 0; x < grey.width; x++, i++) this.background[i] = grey.data[y * stride + x]!;
    }
    this.mask = rasterisePolygons(this.cfg.masks, grey.width, grey.height);
    this.unmasked = this.mask.reduce((n, m) => n + (m === 0 ? 1 : 0), 0);
  }
}

/** Per-camera skip bookkeeping around the gate: motion, live tracks and a forced periodic inference. */
export class InferenceGate {
  private readonly gate: MotionGate;
  private lastInferenceTs = -Infinity;
  /** Frames handed to inference and frames skipped since construction. */
  processed = 0;
  skipped = 0;

  constructor(private readonly cfg: MotionConfig) {
    this.gate = new MotionGate(cfg);
  }

  /**
   * True when the frame needs inference: the gate is off, the frame has no grey picture, there is
   * motion, some track is still moving (`liveTracks`), or forceIntervalS has passed since the last one.
   * The motion background is updated either way, so call it exactly once per frame, in order.
   */
  decide(frame: Frame, liveTracks: boolean): boolean {
    const motion = this.cfg.enabled && frame.grey ? this.gate.detect(frame.grey).motion : true;
    const forced = this.cfg.forceIntervalS > 0 && frame.ts - this.lastInferenceTs >= this.cfg.forceIntervalS * 1000;
    const infer = !this.cfg.enabled || motion || liveTracks || forced;
    if (infer) {
      // Cameras started together would all force their inference in the same instant, every
      // interval, and queue behind each other for the shared detector; each camera keeps its own
      // phase (fixed by its id, so a replay stays reproducible).
      const first = this.lastInferenceTs === -Infinity;
      this.processed++;
      this.lastInferenceTs = first ? frame.ts - phaseMs(frame.cameraId, this.cfg.forceIntervalS * 1000) : frame.ts;
    } else this.skipped++;
    return infer;
  }
}

/** A camera's offset within the forced-inference interval, from its id: spread, and stable. */
function phaseMs(cameraId: string, intervalMs: number): number {
  if (!(intervalMs > 0)) return 0;
  let h = 2166136261;
  for (let i = 0; i < cameraId.length; i++) h = Math.imul(h ^ cameraId.charCodeAt(i), 16777619);
  return (h >>> 0) % Math.floor(intervalMs);
}
