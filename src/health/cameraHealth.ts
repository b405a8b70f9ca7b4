/** Per-camera pipeline figures for the health message, supplied by the agent. */
export interface CameraHealth {
  /** Frames per second reaching the detector, averaged over the last health interval. */
  fps: number;
  /** Frames dropped (motion gate, busy detector, bounded queues) since start. */
  skipped: number;
  /** Stream restarts by the watchdog since start. */
  reconnects: number;
  /** Current stream state, e.g. "online" or "offline". */
  state?: string;
}

/** Returns the current figures of every camera; called once per health message, must not throw. */
export type CameraHealthSource = () => Record<string, CameraHealth>;
