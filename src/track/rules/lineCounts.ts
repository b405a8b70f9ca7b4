import type { LineConfig } from '../../config/eventsSchema.js';

export type CrossDirection = 'left_to_right' | 'right_to_left';

export interface DirectionCounts {
  leftToRight: number;
  rightToLeft: number;
}

/**
 * Crossings per class since the stage started, by direction; `lanes` (per lane, by direction) only
 * on a line with lanes.
 */
export type LineCounts = Record<string, DirectionCounts & { lanes?: Record<string, DirectionCounts> }>;

/** Which lane of a line a crossing used, from where along the line it crossed. */
export class LaneLayout {
  /** Lane names from a towards b; empty when the line is not split into lanes. */
  readonly names: readonly string[];
  private readonly cuts: readonly number[];

  constructor(cfg: LineConfig) {
    this.cuts = cfg.lanes;
    const n = cfg.lanes.length + 1;
    this.names = cfg.laneNames.length > 0 ? cfg.laneNames : n > 1 ? Array.from({ length: n }, (_v, i) => `lane_${i + 1}`) : [];
  }

  /** The lane at `fraction` (0 at a, 1 at b) along the line, or undefined on a line without lanes. */
  laneAt(fraction: number): string | undefined {
    if (this.names.length === 0) return undefined;
    let i = 0;
    while (i < this.cuts.length && fraction >= this.cuts[i]!) i++;
    return this.names[i];
  }
}

interface Tally {
  byLabel: Record<string, DirectionCounts>;
  n: number;
  speedSum: number;
  speedN: number;
}

const newTally = (): Tally => ({ byLabel: {}, n: 0, speedSum: 0, speedN: 0 });
const round = (v: number, places: number) => Math.round(v * 10 ** places) / 10 ** places;

/** One count interval's crossings, per class and direction, per lane, with speeds for the mean. */
export class IntervalCounts {
  private line = newTally();
  private lanes = new Map<string, Tally>();

  constructor(private readonly layout: LaneLayout) {
    this.reset();
  }

  /** One counted crossing; `speedPxS` is the object's speed in source pixels per second (0: unknown). */
  add(label: string, direction: CrossDirection, lane: string | undefined, speedPxS: number): void {
    addTo(this.line, label, direction, speedPxS);
    if (lane !== undefined) addTo(this.lanes.get(lane)!, label, direction, speedPxS);
  }

  /**
   * The interval's figures as flat alert data (keys as on the wire, except the camelCase ones the
   * encoder turns into snake_case): per class and direction, total, flow (crossings per minute),
   * mean speed (source pixels per second, only when some crossing had one), and the same per lane.
   */
  data(intervalS: number): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [label, c] of Object.entries(this.line.byLabel)) {
      out[`${label}_left_to_right`] = c.leftToRight;
      out[`${label}_right_to_left`] = c.rightToLeft;
    }
    const perMin = intervalS > 0 ? 60 / intervalS : 0;
    out['total'] = this.line.n;
    out['flowPerMin'] = round(this.line.n * perMin, 2);
    if (this.line.speedN > 0) out['speedPxS'] = round(this.line.speedSum / this.line.speedN, 1);
    for (const [lane, t] of this.lanes) {
      out[`${lane}_total`] = t.n;
      out[`${lane}_flow_per_min`] = round(t.n * perMin, 2);
      if (t.speedN > 0) out[`${lane}_speed_px_s`] = round(t.speedSum / t.speedN, 1);
      for (const [label, c] of Object.entries(t.byLabel)) {
        out[`${lane}_${label}_left_to_right`] = c.leftToRight;
        out[`${lane}_${label}_right_to_left`] = c.rightToLeft;
      }
    }
    return out;
  }

  reset(): void {
    this.line = newTally();
    this.lanes = new Map(this.layout.names.map((n) => [n, newTally()]));
  }
}

/** Adds one crossing to running totals (per class, and per lane under the class when there is one). */
export function bumpTotals(counts: LineCounts, label: string, direction: CrossDirection, lane: string | undefined): void {
  const c = (counts[label] ??= { leftToRight: 0, rightToLeft: 0 });
  bump(c, direction);
  if (lane !== undefined) bump(((c.lanes ??= {})[lane] ??= { leftToRight: 0, rightToLeft: 0 }), direction);
}

function addTo(t: Tally, label: string, direction: CrossDirection, speedPxS: number): void {
  bump((t.byLabel[label] ??= { leftToRight: 0, rightToLeft: 0 }), direction);
  t.n++;
  if (speedPxS > 0) {
    t.speedSum += speedPxS;
    t.speedN++;
  }
}

function bump(c: DirectionCounts, direction: CrossDirection): void {
  if (direction === 'left_to_right') c.leftToRight++;
  else c.rightToLeft++;
}
