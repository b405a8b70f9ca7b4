import type { Detection, Frame } from '../types.js';

/** Per-camera filtering applied after inference. */
export interface DetectFilter {
  classes: readonly string[];
  scoreThreshold: number;
  nmsIou: number;
  /** IoU above which boxes of different classes are taken as one object; 1 disables it. */
  crossClassIou: number;
}

/**
 * An object detector. One instance may serve several cameras, but calls must not overlap:
 * the caller awaits each detect() before the next (the input tensor buffer is reused).
 */
export interface Detector {
  readonly modelId: string;
  /** Model input size: frames must be scaled to fit inside it (letterboxed, top-left). */
  readonly inputWidth: number;
  readonly inputHeight: number;
  start(): Promise<void>;
  /** Boxes come back in source-frame pixels. The frame buffer is only read. */
  detect(frame: Frame, filter: DetectFilter): Promise<Detection[]>;
  /** Runs inference on an already filled input tensor: the model-only cost, for benchmarks. */
  inferRaw(input: Float32Array): Promise<Float32Array>;
  /** Largest batch the model accepts in one call (1 for a fixed-batch export). */
  readonly maxBatch: number;
  /** Milliseconds spent in the last detect() per step. */
  readonly lastTimings: { preMs: number; inferMs: number; postMs: number };
  stop(): Promise<void>;
}
