import type { LineConfig } from '../../config/eventsSchema.js';
import { segmentsCross, sideOf, type Point } from '../geometry.js';
import type { AlertOut, TrackView } from './rule.js';

export type CrossDirection = 'left_to_right' | 'right_to_left';

/** One object crossing one line on one frame. */
export interface Crossing {
  view: TrackView;
  direction: CrossDirection;
  /** The line has an allowed direction and this crossing goes against it. */
  wrongWay: boolean;
}

/** Crossings per class since the stage started, by direction. */
export type LineCounts = Record<string, { leftToRight: number; rightToLeft: number }>;

// Distance (normalised) a foot point must be from the line before its side counts, so a box
// jittering on the line does not cross it back and forth.
const SIDE_MARGIN = 0.01;

/**
 * Watches one line: finds crossings of confirmed tracks, counts them per class (each object at most
 * once per direction) and emits periodic count summaries. Crossing rules subscribe to its output.
 */
export class LineMonitor {
  private readonly side = new Map<number, { sign: number; at: Point }>();
  private readonly counted = new Set<string>();
  private interval: LineCounts = {};
  private intervalStartTs: number | undefined;
  /** Totals since start, for stats. */
  readonly totals: LineCounts = {};
  private readonly a: Point;
  private readonly b: Point;

  constructor(readonly cfg: LineConfig) {
    this.a = { x: cfg.a[0], y: cfg.a[1] };
    this.b = { x: cfg.b[0], y: cfg.b[1] };
  }

  /** Returns this frame's crossings (tracks matched on this frame only). */
  update(ts: number, tracks: readonly TrackView[]): Crossing[] {
    this.intervalStartTs ??= ts;
    const found: Crossing[] = [];
    for (const v of tracks) {
      if (!v.track.matched) continue;
      const s = sideOf(this.a, this.b, v.foot);
      if (Math.abs(s) < SIDE_MARGIN) continue;
      const sign = Math.sign(s);
      const prev = this.side.get(v.track.id);
      this.side.set(v.track.id, { sign, at: v.foot });
      if (!prev || prev.sign === sign || !segmentsCross(this.a, this.b, prev.at, v.foot)) continue;
      const direction: CrossDirection = prev.sign < 0 ? 'left_to_right' : 'right_to_left';
      const key = `${v.track.id}:${direction}`;
      if (this.counted.has(key)) continue;
      this.counted.add(key);
      const allowed = this.cfg.direction;
      found.push({ view: v, direction, wrongWay: allowed !== 'both' && allowed !== direction });
      const label = v.track.label;
      if (this.cfg.classes.length === 0 || this.cfg.classes.includes(label)) {
        bump(this.interval, label, direction);
        bump(this.totals, label, direction);
      }
    }
    return found;
  }

  /** Emits the count summary when its interval has passed. */
  tick(ts: number, out: AlertOut): void {
    const ms = this.cfg.countIntervalS * 1000;
    if (ms <= 0) return;
    this.intervalStartTs ??= ts;
    if (ts - this.intervalStartTs < ms) return;
    const end = this.intervalStartTs + ms;
    this.emitCounts(this.intervalStartTs, end, false, out);
    // A long gap (camera down) starts a fresh interval rather than emitting a row of empty ones.
    this.intervalStartTs = ts - end < ms ? end : ts;
  }

  /** Emits the partial interval, if counting is on and the interval saw any frame. */
  flush(ts: number, out: AlertOut): void {
    if (this.cfg.countIntervalS <= 0 || this.intervalStartTs === undefined || ts <= this.intervalStartTs) return;
    this.emitCounts(this.intervalStartTs, ts, true, out);
    this.intervalStartTs = ts;
  }

  forget(id: number): void {
    this.side.delete(id);
    this.counted.delete(`${id}:left_to_right`);
    this.counted.delete(`${id}:right_to_left`);
  }

  private emitCounts(fromTs: number, toTs: number, partial: boolean, out: AlertOut): void {
    const data: Record<string, number | boolean> = { fromTs, intervalS: (toTs - fromTs) / 1000, partial };
    let total = 0;
    for (const [label, c] of Object.entries(this.interval)) {
      data[`${label}_left_to_right`] = c.leftToRight;
      data[`${label}_right_to_left`] = c.rightToLeft;
      total += c.leftToRight + c.rightToLeft;
    }
    data['total'] = total;
    this.interval = {};
    const name = this.cfg.name;
    out.emit({ rule: name, kind: 'count', type: 'instant', class: 'count', line: name, ts: toTs, data }, false);
  }
}

function bump(counts: LineCounts, label: string, direction: CrossDirection): void {
  const c = (counts[label] ??= { leftToRight: 0, rightToLeft: 0 });
  if (direction === 'left_to_right') c.leftToRight++;
  else c.rightToLeft++;
}
