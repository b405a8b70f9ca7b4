import type { CameraState } from '../stream/watchdog.js';

/**
 * One camera's figures since the agent started: the single place they are counted. The stream
 * watchdog sets state and restarts, the camera loop counts frames; the health message, the camera
 * status, the `agent stopped` log line, replay and the bench all read these.
 */
export interface CameraCounters {
  /** Frames the camera delivered at the detect rate (the pipeline's rate limiter counts them). */
  offered: number;
  /** Frames the agent took from the pipeline. `offered - frames` were dropped because it was busy. */
  frames: number;
  /** Frames the motion gate found still: no inference needed. */
  skipped: number;
  /** Frames that went through the detector. */
  inferred: number;
  /** Frames whose inference failed (counted and dropped). */
  failed: number;
  /** Stream restarts by the watchdog. */
  restarts: number;
  state: CameraState;
  /** Why the camera gave up, when it did (files only: live cameras keep retrying). */
  error?: string;
}

export function newCameraCounters(): CameraCounters {
  return { offered: 0, frames: 0, skipped: 0, inferred: 0, failed: 0, restarts: 0, state: 'starting' };
}

/**
 * Frames the camera delivered that the agent never took because it was busy. Up to two frames in
 * flight (queued in the pipeline) are included while the camera runs.
 */
export function busyDropped(c: CameraCounters): number {
  return Math.max(0, c.offered - c.frames);
}

/** The counters as operator-facing snake_case fields (log lines, replay summary, bench). */
export function countersJson(c: CameraCounters): Record<string, unknown> {
  return {
    state: c.state,
    offered: c.offered,
    frames: c.frames,
    dropped_busy: busyDropped(c),
    skipped_motion: c.skipped,
    inferred: c.inferred,
    failed: c.failed,
    restarts: c.restarts,
    ...(c.error ? { error: c.error } : {}),
  };
}
