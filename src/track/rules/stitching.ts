import { segmentsCross, sideOf, type Point } from '../geometry.js';

// Track stitching across a counting line. Near a camera, where vehicles cross the line, detections
// drop out (a car seen from above scores low, or vanishes for a few frames) and the tracker may lose
// a car just before the line and start a new track just after it: neither track crosses, and the car
// is not counted. The lost track and the new one are one vehicle when the new one starts where the
// lost one's motion leads, soon after, and with the line between them.

/** What a line monitor remembers of a track's motion, normalised picture units. */
export interface TrackMotion {
  id: number;
  /** Kind of object (labels the detector confuses share one: car, truck, bus). */
  group: string;
  /** Foot point at `ts`, the track's last matched frame. */
  foot: Point;
  ts: number;
  /** Foot velocity, picture fractions per second. */
  vx: number;
  vy: number;
  /** Box height, picture fraction: the yardstick for distances. */
  h: number;
  /** Sign of the side of the line the track was last seen on, beyond the margin; 0 if never. */
  side: number;
  /** Already joined to a later track: it can continue only one. */
  stitched: boolean;
}

/** A new track as first seen: where and when it was first detected, and on which side it is now. */
export interface Newcomer {
  group: string;
  foot: Point;
  ts: number;
  h: number;
  side: number;
}

export interface StitchRule {
  a: Point;
  b: Point;
  maxGapMs: number;
  /** Allowed distance from the predicted position, in box heights. */
  radius: number;
}

/**
 * The lost track that `n` continues across the line, if any: same kind, last seen before `n`
 * started and at most maxGapMs earlier, on the other side of the line and moving towards it, with
 * the path from its last position to `n`'s first crossing the line segment, and `n` within `radius`
 * box heights of where its motion predicts. Of several, the nearest to its prediction.
 */
export function findStitch(lost: Iterable<TrackMotion>, n: Newcomer, rule: StitchRule): TrackMotion | undefined {
  let best: TrackMotion | undefined;
  let bestDist = Infinity;
  for (const c of lost) {
    if (c.stitched || c.group !== n.group || c.side === 0 || n.side !== -c.side) continue;
    const gapMs = n.ts - c.ts;
    if (gapMs <= 0 || gapMs > rule.maxGapMs) continue;
    const dtS = gapMs / 1000;
    const predicted = { x: c.foot.x + c.vx * dtS, y: c.foot.y + c.vy * dtS };
    // Heading for the line: one second of its motion brings it nearer the other side.
    const ahead = { x: c.foot.x + c.vx, y: c.foot.y + c.vy };
    if ((sideOf(rule.a, rule.b, ahead) - sideOf(rule.a, rule.b, c.foot)) * c.side >= 0) continue;
    if (!segmentsCross(rule.a, rule.b, c.foot, n.foot)) continue;
    const dist = Math.hypot(predicted.x - n.foot.x, predicted.y - n.foot.y);
    if (dist > rule.radius * Math.max(c.h, n.h) || dist >= bestDist) continue;
    best = c;
    bestDist = dist;
  }
  return best;
}
