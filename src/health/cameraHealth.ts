import type { Logger } from '../log/logger.js';
import { busyDropped, type CameraCounters } from './cameraCounters.js';

/** Per-camera pipeline figures for the health message, supplied by the agent. */
export interface CameraHealth {
  /** Frames per second the agent took from the camera, averaged over the last health interval. */
  fps: number;
  /** Frames per second the camera delivered at the detect rate over the same interval. */
  offeredFps?: number;
  /** Frames the motion gate found still (no inference needed), since start. */
  skipped: number;
  /** Frames delivered that the agent never processed because it was busy, since start. */
  dropped?: number;
  /** Frames that went through the detector, since start. */
  inferred?: number;
  /** Stream restarts by the watchdog since start. */
  reconnects: number;
  /** Current stream state, e.g. "online" or "offline". */
  state?: string;
}

/** Returns the current figures of every camera; called once per health message, must not throw. */
export type CameraHealthSource = () => Record<string, CameraHealth>;

/** Share of the offered frames the gateway may fail to take before it says it is over capacity. */
const OVERLOAD_SHARE = 0.1;

/**
 * Turns the cameras' counters into health figures, with rates averaged since the previous call.
 * When the cameras together lose more than a tenth of their frames because the agent is busy, it
 * logs a warning with the figure: the gateway carries more cameras than it can serve at full rate.
 */
export function cameraHealthSampler(counters: Map<string, CameraCounters>, log: Logger): CameraHealthSource {
  const last = new Map<string, { frames: number; offered: number; ts: number }>();
  return () => {
    const out: Record<string, CameraHealth> = {};
    const now = Date.now();
    let offered = 0;
    let taken = 0;
    for (const [id, c] of counters) {
      const prev = last.get(id);
      const s = prev && now > prev.ts ? 1000 / (now - prev.ts) : 0;
      const fps = prev ? (c.frames - prev.frames) * s : 0;
      const offeredFps = prev ? (c.offered - prev.offered) * s : 0;
      last.set(id, { frames: c.frames, offered: c.offered, ts: now });
      offered += offeredFps;
      taken += fps;
      out[id] = { fps: round1(fps), offeredFps: round1(offeredFps), skipped: c.skipped, dropped: busyDropped(c), inferred: c.inferred, reconnects: c.restarts, state: c.state };
    }
    if (offered > 0 && taken < offered * (1 - OVERLOAD_SHARE)) {
      log.warn({ offered_fps: round1(offered), served_fps: round1(taken), served_share: Math.round((taken / offered) * 100) / 100 }, 'over capacity: every camera is served at a reduced rate');
    }
    return out;
  };
}

function round1(v: number): number {
  return Math.round(v * 10) / 10;
}
