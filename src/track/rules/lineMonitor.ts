import type { LineConfig } from '../../config/eventsSchema.js';
import type { Box } from '../../types.js';
import { crossingFraction, footPoint, segmentsCross, sideOf, type Point } from '../geometry.js';
import { groupOf } from '../tracker.js';
import { IntervalCounts, LaneLayout, bumpTotals, type CrossDirection, type LineCounts } from './lineCounts.js';
import type { AlertOut, TrackView } from './rule.js';
import { findStitch, type TrackMotion } from './stitching.js';

export type { CrossDirection, LineCounts } from './lineCounts.js';

/** One object crossing one line on one frame. */
export interface Crossing {
  view: TrackView;
  direction: CrossDirection;
  /** The line has an allowed direction and this crossing goes against it. */
  wrongWay: boolean;
  /** Lane name, on a line split into lanes. */
  lane?: string;
  /** Speed of the object, source pixels per second (0 when not yet known). */
  speedPxS: number;
  /** Counted by joining a lost track to the new track that continued it across the line. */
  stitched: boolean;
}

// Distance (normalised) a foot point must be from the line before its side counts, so a box
// jittering on the line does not cross it back and forth.
const SIDE_MARGIN = 0.01;

/** Per track: the side it was last seen on (beyond the margin) and where, plus its motion. */
interface LineTrack extends TrackMotion {
  at: Point;
}

/**
 * Watches one line: finds crossings of confirmed tracks, counts them per class and lane (each object
 * at most once per direction), joins a track lost before the line to the new track that continues
 * it after the line (stitching), and emits periodic count summaries with flow and mean speed.
 * Crossing rules subscribe to its output.
 */
export class LineMonitor {
  private readonly tracks = new Map<number, LineTrack>();
  /** Tracks the tracker dropped, kept for stitching while they are recent enough to be continued. */
  private ended: LineTrack[] = [];
  private readonly counted = new Set<string>();
  private readonly layout: LaneLayout;
  private readonly interval: IntervalCounts;
  private intervalStartTs: number | undefined;
  /** Totals since start, for stats. */
  readonly totals: LineCounts = {};
  private readonly a: Point;
  private readonly b: Point;

  constructor(readonly cfg: LineConfig) {
    this.a = { x: cfg.a[0], y: cfg.a[1] };
    this.b = { x: cfg.b[0], y: cfg.b[1] };
    this.layout = new LaneLayout(cfg);
    this.interval = new IntervalCounts(this.layout);
  }

  /** Returns this frame's crossings (tracks matched on this frame only). */
  update(ts: number, tracks: readonly TrackView[]): Crossing[] {
    this.intervalStartTs ??= ts;
    const maxGapMs = this.cfg.stitchMaxGapS * 1000;
    if (this.ended.length > 0) this.ended = this.ended.filter((e) => ts - e.ts <= maxGapMs);
    const found: Crossing[] = [];
    for (const v of tracks) {
      if (!v.track.matched) continue;
      let lt = this.tracks.get(v.track.id);
      if (!lt) {
        lt = this.firstSight(v);
        this.tracks.set(v.track.id, lt);
        const stitched = maxGapMs > 0 ? this.stitch(lt, v) : undefined;
        if (stitched) found.push(stitched);
      }
      this.move(lt, v, ts);
      const s = sideOf(this.a, this.b, v.foot);
      if (Math.abs(s) < SIDE_MARGIN) continue;
      const sign = Math.sign(s);
      const prev = { sign: lt.side, at: lt.at };
      lt.side = sign;
      lt.at = v.foot;
      if (prev.sign === 0 || prev.sign === sign || !segmentsCross(this.a, this.b, prev.at, v.foot)) continue;
      const direction: CrossDirection = prev.sign < 0 ? 'left_to_right' : 'right_to_left';
      const c = this.count(v, direction, prev.at, v.foot, false);
      if (c) found.push(c);
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

  /** The tracker dropped a track: keep its motion a while for stitching, forget the rest. */
  forget(id: number): void {
    const lt = this.tracks.get(id);
    this.tracks.delete(id);
    if (lt && this.cfg.stitchMaxGapS > 0 && !lt.stitched && lt.side !== 0) this.ended.push(lt);
    this.counted.delete(`${id}:left_to_right`);
    this.counted.delete(`${id}:right_to_left`);
  }

  /**
   * A confirmed track seen for the first time. It was tentative for a few frames: start from where
   * it was first detected, so a car that crossed while being confirmed still counts.
   */
  private firstSight(v: TrackView): LineTrack {
    const t = v.track;
    const first = footPoint(normaliseLike(t.firstBox, t.box, v.box));
    const s = sideOf(this.a, this.b, first);
    const side = Math.abs(s) < SIDE_MARGIN ? 0 : Math.sign(s);
    const h = v.box.y2 - v.box.y1;
    return { id: t.id, group: groupOf(t.label), foot: first, ts: t.firstTs, vx: 0, vy: 0, h, side, stitched: false, at: first };
  }

  /** Follows the foot point: position, time, box height and a smoothed velocity. */
  private move(lt: LineTrack, v: TrackView, ts: number): void {
    const dtS = (ts - lt.ts) / 1000;
    if (dtS > 0) {
      const k = lt.vx === 0 && lt.vy === 0 ? 1 : 0.5;
      lt.vx += k * ((v.foot.x - lt.foot.x) / dtS - lt.vx);
      lt.vy += k * ((v.foot.y - lt.foot.y) / dtS - lt.vy);
    }
    lt.foot = v.foot;
    lt.ts = ts;
    lt.h = v.box.y2 - v.box.y1;
    lt.group = groupOf(v.track.label);
  }

  /** Joins a new track to a lost one it continues across the line; counts that one crossing. */
  private stitch(lt: LineTrack, v: TrackView): Crossing | undefined {
    const side = lt.side !== 0 ? lt.side : Math.sign(sideOf(this.a, this.b, v.foot));
    const lost = [...this.ended, ...[...this.tracks.values()].filter((o) => o.id !== lt.id)];
    const rule = { a: this.a, b: this.b, maxGapMs: this.cfg.stitchMaxGapS * 1000, radius: this.cfg.stitchRadius };
    const old = findStitch(lost, { group: lt.group, foot: lt.foot, ts: lt.ts, h: lt.h, side }, rule);
    if (!old) return undefined;
    const direction: CrossDirection = old.side < 0 ? 'left_to_right' : 'right_to_left';
    if (this.counted.has(`${old.id}:${direction}`)) return undefined;
    old.stitched = true;
    // The lost track may still be coasting: should it be found again, its crossing is this one.
    this.counted.add(`${old.id}:${direction}`);
    return this.count(v, direction, old.foot, lt.foot, true);
  }

  /** Counts one crossing of `v` between p and q, unless this object was counted in that direction. */
  private count(v: TrackView, direction: CrossDirection, p: Point, q: Point, stitched: boolean): Crossing | undefined {
    const key = `${v.track.id}:${direction}`;
    if (this.counted.has(key)) return undefined;
    this.counted.add(key);
    const lane = this.layout.laneAt(crossingFraction(this.a, this.b, p, q));
    const speedPxS = Math.hypot(v.track.vx, v.track.vy);
    const allowed = this.cfg.direction;
    const label = v.track.label;
    if (this.cfg.classes.length === 0 || this.cfg.classes.includes(label)) {
      this.interval.add(label, direction, lane, speedPxS);
      bumpTotals(this.totals, label, direction, lane);
    }
    return { view: v, direction, wrongWay: allowed !== 'both' && allowed !== direction, lane, speedPxS, stitched };
  }

  private emitCounts(fromTs: number, toTs: number, partial: boolean, out: AlertOut): void {
    const intervalS = (toTs - fromTs) / 1000;
    const data = { fromTs, intervalS, partial, ...this.interval.data(intervalS) };
    this.interval.reset();
    const name = this.cfg.name;
    out.emit({ rule: name, kind: 'count', type: 'instant', class: 'count', line: name, ts: toTs, data }, false);
  }
}

/** `box` (source pixels) normalised the way `ref` (source pixels) became `refNorm`. */
function normaliseLike(box: Box, ref: Box, refNorm: Box): Box {
  const sx = ref.x2 > ref.x1 ? (refNorm.x2 - refNorm.x1) / (ref.x2 - ref.x1) : 0;
  const sy = ref.y2 > ref.y1 ? (refNorm.y2 - refNorm.y1) / (ref.y2 - ref.y1) : 0;
  return { x1: box.x1 * sx, y1: box.y1 * sy, x2: box.x2 * sx, y2: box.y2 * sy };
}
