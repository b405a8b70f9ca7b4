import { performance } from 'node:perf_hooks';
import type { Detection, Frame } from '../types.js';
import type { DetectFilter, Detector } from './detector.js';

interface Job {
  frame: Frame;
  filter: DetectFilter;
  arrivedMs: number;
  resolve(d: Detection[] | null): void;
  reject(e: unknown): void;
}

/** Latency figures in ms over the most recent inferences. */
export interface LatencyFigures {
  count: number;
  p50: number;
  p95: number;
  max: number;
}

const WINDOW = 2048;

/**
 * Shares one detector (one model session) among cameras. One inference runs at a time (the
 * detector reuses its input tensor); when several cameras have a frame waiting they are served
 * round robin, so an overloaded gateway slows every camera alike instead of starving some. It
 * records the wait from a frame's submission to its detections (queueing plus inference).
 */
export class InferenceScheduler {
  private readonly waiting = new Map<string, Job>();
  /** Cameras in the order they take turns; a camera joins at its first frame. */
  private readonly ring: string[] = [];
  private turn = 0;
  private running = false;
  private readonly latencyMs = new Float64Array(WINDOW);
  private samples = 0;
  /** Inference time alone, ms, over the same window. */
  private readonly inferMs = new Float64Array(WINDOW);

  constructor(readonly detector: Detector) {}

  /**
   * Detections for `frame`, once its turn comes. A camera has at most one frame waiting: a newer
   * one replaces it, and the older resolves with null (the caller counts it as dropped).
   */
  detect(frame: Frame, filter: DetectFilter): Promise<Detection[] | null> {
    return new Promise<Detection[] | null>((resolve, reject) => {
      const id = frame.cameraId;
      this.waiting.get(id)?.resolve(null);
      if (!this.ring.includes(id)) this.ring.push(id);
      this.waiting.set(id, { frame, filter, arrivedMs: performance.now(), resolve, reject });
      if (!this.running) this.drain().catch(() => undefined); // each job settles its own promise
    });
  }

  /** Submission-to-detections latency, and inference alone, over the last inferences. */
  latency(): { total: LatencyFigures; inference: LatencyFigures } {
    return { total: figures(this.latencyMs, this.samples), inference: figures(this.inferMs, this.samples) };
  }

  /** Cameras with a frame waiting now (not the one being inferred). */
  get waitingCameras(): string[] {
    return [...this.waiting.keys()];
  }

  private next(): Job | undefined {
    for (let i = 0; i < this.ring.length; i++) {
      const id = this.ring[(this.turn + i) % this.ring.length]!;
      const job = this.waiting.get(id);
      if (job) {
        this.waiting.delete(id);
        this.turn = (this.turn + i + 1) % this.ring.length;
        return job;
      }
    }
    return undefined;
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      for (let job = this.next(); job; job = this.next()) {
        const started = performance.now();
        try {
          const detections = await this.detector.detect(job.frame, job.filter);
          const done = performance.now();
          const slot = this.samples++ % WINDOW;
          this.latencyMs[slot] = done - job.arrivedMs;
          this.inferMs[slot] = done - started;
          job.resolve(detections);
        } catch (err) {
          job.reject(err);
        }
      }
    } finally {
      this.running = false;
    }
  }
}

function figures(values: Float64Array, samples: number): LatencyFigures {
  const n = Math.min(samples, values.length);
  if (n === 0) return { count: 0, p50: 0, p95: 0, max: 0 };
  const sorted = Array.from(values.subarray(0, n)).sort((a, b) => a - b);
  const at = (q: number) => Math.round(sorted[Math.min(n - 1, Math.floor(q * n))]! * 10) / 10;
  return { count: samples, p50: at(0.5), p95: at(0.95), max: Math.round(sorted[n - 1]! * 10) / 10 };
}
