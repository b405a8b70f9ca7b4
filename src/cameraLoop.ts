import type { DetectFilter, Detector } from './detect/detector.js';
import type { StreamWatchdog } from './stream/watchdog.js';
import type { Detection, Frame } from './types.js';

/** What the loop hands on per frame: detections, or null when the gate decided to skip inference. */
export interface FrameConsumer {
  /** Motion gate: false means the frame needs no inference. Absent means every frame is inferred. */
  needsInference?(frame: Frame): boolean;
  onFrame(frame: Frame, detections: Detection[] | null): void;
  /** Time-driven checks (no-frame health, count intervals); called about once a second for live cameras. */
  tick?(nowTs: number): void;
}

/** Serialises inference: one model session serves several cameras, one frame at a time. */
export type InferenceLock = <T>(work: () => Promise<T>) => Promise<T>;

export function createInferenceLock(): InferenceLock {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(work: () => Promise<T>) => {
    const run = tail.then(work, work);
    tail = run.catch(() => undefined);
    return run;
  };
}

/**
 * The per-camera loop: frames → motion gate → detector → consumer (tracker, rules, outbox).
 * Returns when the watchdog ends (file end or stop); stream failures are handled by the watchdog,
 * and an inference failure on one frame is counted and the frame dropped.
 */
export async function runCameraLoop(
  frames: StreamWatchdog,
  detector: Detector,
  filter: DetectFilter,
  consumer: FrameConsumer,
  lock: InferenceLock,
  counters: { frames: number; inferred: number; skipped: number; failed: number },
): Promise<void> {
  for await (const frame of frames.frames()) {
    counters.frames++;
    if (consumer.needsInference && !consumer.needsInference(frame)) {
      counters.skipped++;
      consumer.onFrame(frame, null);
      continue;
    }
    let detections: Detection[];
    try {
      detections = await lock(() => detector.detect(frame, filter));
    } catch {
      counters.failed++;
      continue;
    }
    counters.inferred++;
    consumer.onFrame(frame, detections);
  }
}
