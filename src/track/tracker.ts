import type { TrackerConfig } from '../config/eventsSchema.js';
import type { Box, Detection, Track } from '../types.js';
import { iou } from './geometry.js';
import { CHI2_GATE_4, KalmanBox } from './kalman.js';

/** A track with the bookkeeping rules need. Owned by the tracker: read it, do not change it. */
export interface TrackState extends Track {
  /** Matched frames so far. */
  hits: number;
  /** minHits reached: only confirmed tracks raise alerts. */
  confirmed: boolean;
  /** A detection matched this track on the last update (its box moved from prevBox to box). */
  matched: boolean;
  /** Box before the last match, source pixels; equals box until the second match. */
  prevBox: Box;
  /** The detection that started the track, source pixels: where it was before it was confirmed. */
  firstBox: Box;
  /** Motion model: predicted box and its uncertainty, advanced to the last update's time. */
  kf: KalmanBox;
  /** Time the motion model was last advanced to, epoch ms. */
  kfTs: number;
  /** Last time the object was known present, epoch ms: a match, or a still frame for a stationary object. */
  seenTs: number;
  anchorX: number;
  anchorY: number;
  /** When the centre last moved further than stationaryMove from the anchor, epoch ms. */
  anchorTs: number;
  /** Summed detection scores per label: the reported label is the best, so car/truck flicker settles. */
  labelScores: Map<string, number>;
}

// Labels the detector confuses for the same object; matching across them keeps one id.
const GROUPS: Record<string, string> = { car: 'vehicle', truck: 'vehicle', bus: 'vehicle', bicycle: 'cycle', motorcycle: 'cycle' };
/** The kind of object a label belongs to: labels the detector confuses for one object share one. */
export const groupOf = (label: string): string => GROUPS[label] ?? label;

// Weight of the Mahalanobis closeness against IoU when ranking pairs: IoU decides between clearly
// overlapping candidates, closeness between candidates the prediction is unsure about.
const CLOSENESS_WEIGHT = 0.5;

/**
 * Tracker with a Kalman motion model (centre, aspect and height with their velocities, as SORT and
 * ByteTrack) and ByteTrack's two rounds. A detection matches a track when it overlaps the predicted
 * box by the round's IoU, or when it lies inside the prediction's 95 % uncertainty gate and overlaps
 * by a threshold lowered in proportion to the prediction's spread: the gate and the relaxation widen
 * while a track goes unmatched and narrow as it is matched, so a car whose box grows as it
 * approaches, or that was missed for a few frames, is still found where the model expects it.
 * Assignment is greedy, best pair first: with tens of objects, greedy and Hungarian agree except when
 * two predictions overlap heavily, and there neither choice is reliable; greedy is simpler,
 * O(n·m log) and needs no cost matrix. Times come from frame timestamps, so skipped frames age
 * tracks and widen their gates correctly.
 */
export class Tracker {
  private tracks: TrackState[] = [];
  private nextId = 1;

  constructor(private readonly cfg: TrackerConfig) {}

  /** Live tracks, tentative and confirmed. The array is replaced on each update; do not keep it. */
  get active(): readonly TrackState[] {
    return this.tracks;
  }

  /** True if some track is not stationary: the picture may change without motion being seen yet. */
  hasMoving(): boolean {
    return this.tracks.some((t) => !t.stationary);
  }

  /** Associates one frame's detections (source pixels) at capture time `ts`; returns the tracks dropped. */
  update(ts: number, detections: readonly Detection[]): TrackState[] {
    const predicted = this.tracks.map((t) => this.predict(t, ts));
    const high = detections.filter((d) => d.score >= this.cfg.highScore);
    const low = detections.filter((d) => d.score >= this.cfg.lowScore && d.score < this.cfg.highScore);
    const free = new Set(this.tracks.map((_t, i) => i));
    const unmatchedHigh = this.associate(predicted, free, high, this.cfg.matchIou, ts);
    // Second round: weak detections continue tracks, never start one. Unlike ByteTrack, a tentative
    // track may take them too: born of one confident detection, it is confirmed by weak ones that
    // overlap its prediction (lower IoU inside its motion gate). At 5 to 10 fps a vehicle seen from above scores under high_score on most
    // frames, and waiting for min_hits confident frames would confirm it only past the line.
    const secondRound = new Set(free);
    this.associate(predicted, secondRound, low, this.cfg.lowMatchIou, ts);
    const unmatched = new Set<TrackState>();
    for (const i of free) {
      const t = this.tracks[i]!;
      if (!secondRound.has(i)) continue;
      t.matched = false;
      t.misses++;
      unmatched.add(t);
    }
    const removed = this.prune(ts, (t) => unmatched.has(t) && !t.confirmed);
    for (const d of unmatchedHigh) this.tracks.push(this.create(d, ts));
    return removed;
  }

  /** A frame without inference: nothing is matched; a stationary object in a still picture is still there. */
  coast(ts: number): TrackState[] {
    for (const t of this.tracks) {
      t.matched = false;
      if (t.stationary) t.seenTs = ts;
    }
    return this.prune(ts, () => false);
  }

  /** Matches greedily; removes matched track indexes from `free`; returns the unmatched detections. */
  private associate(predicted: Box[], free: Set<number>, dets: readonly Detection[], minIou: number, ts: number): Detection[] {
    const pairs: { ti: number; di: number; sim: number }[] = [];
    for (const ti of free) {
      const t = this.tracks[ti]!;
      const group = groupOf(t.label);
      dets.forEach((d, di) => {
        if (groupOf(d.label) !== group) return;
        const v = iou(predicted[ti]!, d.box);
        // A parked object does not move: its gate would only grow with time and catch passers-by.
        const d2 = t.stationary ? Infinity : t.kf.distance2(d.box);
        const gated = d2 <= CHI2_GATE_4;
        if (v < minIou && !(gated && v >= minIou * relaxation(t.kf.relativeSpread()))) return;
        pairs.push({ ti, di, sim: v + CLOSENESS_WEIGHT * Math.max(0, 1 - d2 / CHI2_GATE_4) });
      });
    }
    pairs.sort((a, b) => b.sim - a.sim);
    const used = new Set<number>();
    for (const p of pairs) {
      if (!free.has(p.ti) || used.has(p.di)) continue;
      free.delete(p.ti);
      used.add(p.di);
      this.apply(this.tracks[p.ti]!, dets[p.di]!, ts);
    }
    return dets.filter((_d, i) => !used.has(i));
  }

  /**
   * Advances a track's motion model to `ts` and returns its predicted box. The model is not moved
   * beyond max_age_s after the last match (the track is dropped by then), and a stationary track
   * keeps its last box.
   */
  private predict(t: TrackState, ts: number): Box {
    if (t.stationary) {
      t.kfTs = ts;
      return t.box;
    }
    const until = Math.min(ts, t.lastTs + this.cfg.maxAgeS * 1000);
    if (until > t.kfTs) {
      t.kf.predict((until - t.kfTs) / 1000);
      t.kfTs = until;
    }
    return t.kf.box();
  }

  private apply(t: TrackState, d: Detection, ts: number): void {
    const dtS = (ts - t.lastTs) / 1000;
    const [cx, cy] = centre(d.box);
    const [px, py] = centre(t.box);
    if (dtS > 0) {
      const k = t.hits === 1 ? 1 : 0.5;
      t.vx += k * ((cx - px) / dtS - t.vx);
      t.vy += k * ((cy - py) / dtS - t.vy);
    }
    t.prevBox = t.box;
    t.box = { ...d.box };
    t.kf.update(d.box);
    t.score += 0.5 * (d.score - t.score);
    t.labelScores.set(d.label, (t.labelScores.get(d.label) ?? 0) + d.score);
    t.label = bestLabel(t.labelScores);
    t.hits++;
    t.confirmed ||= t.hits >= this.cfg.minHits;
    t.matched = true;
    t.misses = 0;
    t.lastTs = t.seenTs = ts;
    this.updateStationary(t, cx, cy, ts);
  }

  private updateStationary(t: TrackState, cx: number, cy: number, ts: number): void {
    const size = (t.box.x2 - t.box.x1 + t.box.y2 - t.box.y1) / 2;
    if (Math.hypot(cx - t.anchorX, cy - t.anchorY) > this.cfg.stationaryMove * size) {
      t.anchorX = cx;
      t.anchorY = cy;
      t.anchorTs = ts;
      t.stationary = false;
    } else if (ts - t.anchorTs >= this.cfg.stationaryS * 1000) {
      t.stationary = true;
    }
    // A parked object's jitter is not motion: predicting with it would slide the box away.
    if (t.stationary) {
      t.vx = t.vy = 0;
      t.kf.halt();
    }
  }

  private create(d: Detection, ts: number): TrackState {
    const [cx, cy] = centre(d.box);
    const box = { ...d.box };
    return {
      id: this.nextId++, label: d.label, score: d.score, box, prevBox: box, firstBox: box, kf: new KalmanBox(box), kfTs: ts, vx: 0, vy: 0,
      firstTs: ts, lastTs: ts, seenTs: ts, misses: 0, stationary: false, hits: 1,
      confirmed: this.cfg.minHits <= 1, matched: true, anchorX: cx, anchorY: cy, anchorTs: ts,
      labelScores: new Map([[d.label, d.score]]),
    };
  }

  /** Drops tentative tracks that missed (`dropNow`) and tracks unseen for longer than their max age. */
  private prune(ts: number, dropNow: (t: TrackState) => boolean): TrackState[] {
    const removed: TrackState[] = [];
    const kept: TrackState[] = [];
    for (const t of this.tracks) {
      const maxAgeMs = (t.stationary ? this.cfg.stationaryMaxAgeS : this.cfg.maxAgeS) * 1000;
      if (dropNow(t) || ts - t.seenTs > maxAgeMs) removed.push(t);
      else kept.push(t);
    }
    this.tracks = kept;
    return removed;
  }
}

/**
 * Factor on a round's IoU threshold for a detection inside the 95 % gate: 1 while the prediction is
 * sharp, down to a quarter as its position spread reaches a box height or more. It never reaches
 * zero: a track coasting out of the picture has a huge, vague prediction, and a small far car that
 * happens to lie inside it must not inherit its id.
 */
function relaxation(spread: number): number {
  return Math.max(0.25, 1 / (1 + 3 * spread));
}

function centre(b: Box): [number, number] {
  return [(b.x1 + b.x2) / 2, (b.y1 + b.y2) / 2];
}

function bestLabel(scores: Map<string, number>): string {
  let best = '';
  let max = -1;
  for (const [label, s] of scores) if (s > max) [best, max] = [label, s];
  return best;
}
