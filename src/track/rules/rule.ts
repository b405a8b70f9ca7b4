import type { RuleConfig } from '../../config/eventsSchema.js';
import type { Alert, Box, Frame } from '../../types.js';
import type { Point } from '../geometry.js';
import type { TrackState } from '../tracker.js';

/** One track as rules see it on one frame, with positions normalised to 0..1 of the source frame. */
export interface TrackView {
  track: Readonly<TrackState>;
  box: Box;
  /** Bottom-centre of the box (feet, wheels): the point tested against zones and lines. */
  foot: Point;
  /**
   * Seen within the tracker's max_age_s. A stationary track outlives that (so a parked car keeps its
   * id behind a passing bus), but rules that count what is there now use only visible tracks.
   */
  visible: boolean;
}

/** What every rule gets per frame, inferred or skipped. Views and frame are only valid during the call. */
export interface RuleFrame {
  /** Capture time, epoch ms. */
  ts: number;
  /** Confirmed tracks only, in id order. */
  tracks: readonly TrackView[];
  frame: Frame;
}

/** An alert before the stage adds id, gateway, camera, model and snapshot. */
export type AlertDraft = Omit<Alert, 'id' | 'gatewayId' | 'cameraId' | 'modelId' | 'snapshot'>;

/** Where rules send alerts. Implemented by the stage; synchronous, never throws. */
export interface AlertOut {
  /**
   * Completes and emits the alert; returns its id (end alerts name their start). With `snapshot`,
   * the frame being processed, if any, is kept as a JPEG with the alert's box drawn on it.
   */
  emit(draft: AlertDraft, snapshot: boolean): string;
}

export interface Rule {
  readonly name: string;
  /** Called once per frame, in capture order, after the tracker. */
  onFrame(f: RuleFrame, out: AlertOut): void;
  /** Time-driven work without a frame (timers, summaries); `ts` epoch ms, never earlier than the last frame. */
  onTick?(ts: number, out: AlertOut): void;
  /** A track was dropped by the tracker: forget it. */
  onTrackEnd?(id: number): void;
  /** The stage stops: emit whatever is pending (partial count summaries). */
  onStop?(ts: number, out: AlertOut): void;
}

/** Whether a track may raise this rule: class, smoothed score and, optionally, not standing still. */
export function eligible(cfg: RuleConfig, v: TrackView, classes: readonly string[] = cfg.classes): boolean {
  const t = v.track;
  return (
    (classes.length === 0 || classes.includes(t.label)) &&
    t.score >= cfg.minScore &&
    (cfg.includeStationary || !t.stationary)
  );
}

/** Minimum spacing between alerts of one rule; what falls inside is counted and reported with the next. */
export class Cooldown {
  private lastTs = -Infinity;
  private suppressed = 0;

  constructor(private readonly ms: number) {}

  /** True if an alert at `ts` may go out (and starts a new cooldown); otherwise counts it. */
  allow(ts: number): boolean {
    if (ts - this.lastTs < this.ms) {
      this.suppressed++;
      return false;
    }
    this.lastTs = ts;
    return true;
  }

  /** Alerts suppressed since the last allowed one, for the `suppressed` figure; resets the count. */
  take(): Record<string, number> {
    const n = this.suppressed;
    this.suppressed = 0;
    return n > 0 ? { suppressed: n } : {};
  }
}

/**
 * A condition that must hold for `onMs` before it starts and be gone for `offMs` before it ends,
 * so a flickering measure does not flap start/end alerts.
 */
export class Debounce {
  active = false;
  /** When the current start began (the start alert's ts), epoch ms. */
  activeSince = 0;
  private onSince: number | undefined;
  private offSince: number | undefined;

  constructor(
    private readonly onMs: number,
    private readonly offMs: number,
  ) {}

  /** Feeds the condition at `ts`; returns the transition, if any. `canStart` false holds a start back. */
  update(condition: boolean, ts: number, canStart = true): 'start' | 'end' | undefined {
    if (condition) {
      this.offSince = undefined;
      this.onSince ??= ts;
      if (!this.active && canStart && ts - this.onSince >= this.onMs) {
        this.active = true;
        this.activeSince = ts;
        return 'start';
      }
    } else {
      this.onSince = undefined;
      this.offSince ??= ts;
      return this.checkEnd(ts);
    }
    return undefined;
  }

  /** Ends an active condition whose clear time has passed, without a new measure (timer). */
  checkEnd(ts: number): 'end' | undefined {
    if (this.active && this.offSince !== undefined && ts - this.offSince >= this.offMs) {
      this.active = false;
      return 'end';
    }
    return undefined;
  }
}
