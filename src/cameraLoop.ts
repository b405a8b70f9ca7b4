import type { DetectFilter } from './detect/detector.js';
import type { InferenceScheduler } from './detect/inferenceScheduler.js';
import type { CameraCounters } from './health/cameraCounters.js';
import type { StreamWatchdog } from './stream/watchdog.js';
import type { Detection, Frame } from './types.js';

/** What the loop hands frames to: the camera's event stage (tracker, rules, outbox). */
export interface FrameConsumer {
  /** Motion gate: false means the frame needs no inference. Call once per frame, before onFrame. */
  needsInference(frame: Frame): boolean;
  /** Detections (source pixels), or null when the gate decided to skip inference. */
  onFrame(frame: Frame, detections: Detection[] | null): void;
}

/**
 * One camera, frames to alerts: frames → motion gate → shared detector (round robin) → event stage
 * → outbox. Returns when the watchdog ends (a file's end or stop); stream failures are handled by
 * the watchdog, and a failed inference is counted and its frame dropped.
 */
export async function runCameraLoop(
  frames: StreamWatchdog,
  stage: FrameConsumer,
  detector: InferenceScheduler,
  filter: DetectFilter,
  counters: CameraCounters,
): Promise<void> {
  for await (const frame of frames.frames()) {
    counters.frames++;
    counters.offered = Math.max(frames.offered, counters.frames);
    if (!stage.needsInference(frame)) {
      counters.skipped++;
      stage.onFrame(frame, null);
      continue;
    }
    const detections = await detector.detect(frame, filter).catch(() => undefined);
    if (!detections) {
      counters.failed++;
      continue;
    }
    counters.inferred++;
    stage.onFrame(frame, detections);
  }
}
