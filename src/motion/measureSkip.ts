import type { MotionConfig } from '../config/eventsSchema.js';
import { MotionGate } from './motionGate.js';

/** Motion-gate figures for the benchmark. */
export interface MotionSkipFigures {
  frames: number;
  /** Frames without motion: an upper bound of what the gate skips (live tracks add inferences back). */
  stillFrames: number;
  skipFraction: number;
  motionMsPerFrame: number;
}

/**
 * Runs the motion gate alone over a sequence of grey pictures (e.g. a raw GRAY8 file cut into
 * `width*height` slices). The forced periodic inference is ignored: it depends on the frame rate.
 */
export function measureMotionSkip(
  pictures: Iterable<Buffer>,
  width: number,
  height: number,
  cfg: MotionConfig,
): MotionSkipFigures {
  const gate = new MotionGate(cfg);
  const grey: { data: Buffer; width: number; height: number } = { data: Buffer.alloc(0), width, height };
  let frames = 0;
  let still = 0;
  const t0 = performance.now();
  for (const data of pictures) {
    grey.data = data;
    if (!gate.detect(grey).motion) still++;
    frames++;
  }
  const ms = performance.now() - t0;
  return { frames, stillFrames: still, skipFraction: frames ? still / frames : 0, motionMsPerFrame: frames ? ms / frames : 0 };
}

/** Cuts a raw GRAY8 buffer (as written by GStreamer's filesink) into per-frame views, no copies. */
export function* greySlices(raw: Buffer, width: number, height: number): Generator<Buffer> {
  const size = width * height;
  for (let o = 0; o + size <= raw.length; o += size) yield raw.subarray(o, o + size);
}
