import type { Box } from '../types.js';

/** A point in whatever space its caller uses (source pixels or normalised). */
export interface Point {
  x: number;
  y: number;
}

export function iou(a: Box, b: Box): number {
  const w = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1);
  const h = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / (area(a) + area(b) - inter);
}

export function area(b: Box): number {
  return Math.max(0, b.x2 - b.x1) * Math.max(0, b.y2 - b.y1);
}

/** Box divided by the source size: 0..1 coordinates, as zones and alerts use. */
export function normaliseBox(b: Box, width: number, height: number): Box {
  return { x1: b.x1 / width, y1: b.y1 / height, x2: b.x2 / width, y2: b.y2 / height };
}

/** Bottom-centre of a box: where feet or wheels touch the ground, the point zones are tested with. */
export function footPoint(b: Box): Point {
  return { x: (b.x1 + b.x2) / 2, y: b.y2 };
}

/** Shoelace area of a polygon given as [[x, y], ...]. */
export function polygonArea(poly: readonly (readonly [number, number])[]): number {
  let s = 0;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    s += (poly[j]![0] + poly[i]![0]) * (poly[j]![1] - poly[i]![1]);
  }
  return Math.abs(s) / 2;
}

/**
 * Signed side of p relative to the directed line a→b in y-down picture coordinates: negative is the
 * left side as seen standing at a looking towards b, positive the right side. The value is the
 * distance to the line (in the units of the points).
 */
export function sideOf(a: Point, b: Point, p: Point): number {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const len = Math.hypot(dx, dy) || 1;
  return (dx * (p.y - a.y) - dy * (p.x - a.x)) / len;
}

/** Whether segment p→q crosses the segment a–b (touching counts). */
export function segmentsCross(a: Point, b: Point, p: Point, q: Point): boolean {
  const d1 = cross(a, b, p);
  const d2 = cross(a, b, q);
  const d3 = cross(p, q, a);
  const d4 = cross(p, q, b);
  return d1 * d2 <= 0 && d3 * d4 <= 0 && !(d1 === 0 && d2 === 0);
}

function cross(o: Point, a: Point, b: Point): number {
  return (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x);
}

/**
 * Where segment p→q meets the line through a and b, as the fraction along a→b (0 at a, 1 at b),
 * clamped to 0..1; 0.5 when the two are parallel. Used to tell which lane of a line a crossing used.
 */
export function crossingFraction(a: Point, b: Point, p: Point, q: Point): number {
  const rx = b.x - a.x;
  const ry = b.y - a.y;
  const sx = q.x - p.x;
  const sy = q.y - p.y;
  const denom = rx * sy - ry * sx;
  if (denom === 0) return 0.5;
  const t = ((p.x - a.x) * sy - (p.y - a.y) * sx) / denom;
  return Math.min(1, Math.max(0, t));
}
