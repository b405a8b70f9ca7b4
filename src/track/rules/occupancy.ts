import type { RuleConfig, ZoneConfig } from '../../config/eventsSchema.js';
import { insidePolygon } from '../../motion/polygonMask.js';
import type { Box } from '../../types.js';
import { polygonArea } from '../geometry.js';
import { Debounce, type AlertOut, type Rule, type RuleFrame } from './rule.js';
import { round } from './zoneDwell.js';

const DEFAULT_CLASSES: Record<string, readonly string[]> = {
  congestion: ['car', 'bus', 'truck', 'motorcycle'],
  crowding: ['person'],
};

/**
 * congestion (vehicles) and crowding (persons): at least minCount objects in the zone, or boxes
 * covering minOccupancy of it, for durationS ⇒ start; not so for clearS ⇒ end. Standing objects
 * count (a jam stands still), but only while visible: a parked track kept alive for its id is not
 * evidence that the jam is still there. A new start waits cooldownS after the last end.
 */
export class OccupancyRule implements Rule {
  readonly name: string;
  private readonly state: Debounce;
  private readonly classes: readonly string[];
  private readonly zoneArea: number;
  private readonly zoneBox: Box;
  private lastEndTs = -Infinity;
  private startId = '';
  private maxCount = 0;

  constructor(
    private readonly cfg: RuleConfig,
    private readonly zone: ZoneConfig,
  ) {
    this.name = cfg.name;
    this.state = new Debounce(cfg.durationS * 1000, cfg.clearS * 1000);
    this.classes = cfg.classes.length > 0 ? cfg.classes : (DEFAULT_CLASSES[cfg.kind] ?? []);
    this.zoneArea = polygonArea(zone.polygon);
    const xs = zone.polygon.map((p) => p[0]);
    const ys = zone.polygon.map((p) => p[1]);
    this.zoneBox = { x1: Math.min(...xs), y1: Math.min(...ys), x2: Math.max(...xs), y2: Math.max(...ys) };
  }

  onFrame(f: RuleFrame, out: AlertOut): void {
    let count = 0;
    let covered = 0;
    for (const v of f.tracks) {
      const t = v.track;
      if (!v.visible || !this.classes.includes(t.label) || t.score < this.cfg.minScore) continue;
      if (!insidePolygon(v.foot.x, v.foot.y, this.zone.polygon)) continue;
      count++;
      covered += clippedArea(v.box, this.zoneBox);
    }
    // Boxes clipped to the zone's bounding box over the polygon's area: exact for rectangular zones,
    // an overestimate for others, and cheap. Overlapping boxes may push it past 1, hence the cap.
    const occupancy = this.zoneArea > 0 ? Math.min(1, covered / this.zoneArea) : 0;
    const holds = count >= this.cfg.minCount || (this.cfg.minOccupancy > 0 && occupancy >= this.cfg.minOccupancy);
    if (this.state.active) this.maxCount = Math.max(this.maxCount, count);
    const change = this.state.update(holds, f.ts, f.ts - this.lastEndTs >= this.cfg.cooldownS * 1000);
    if (change === 'start') {
      this.maxCount = count;
      this.startId = out.emit(
        {
          rule: this.name, kind: this.cfg.kind, type: 'start', class: 'alert', zone: this.zone.name, ts: f.ts,
          data: { count, occupancy: round(occupancy), heldS: this.cfg.durationS },
        },
        true,
      );
    } else if (change === 'end') this.emitEnd(f.ts, out);
  }

  onTick(ts: number, out: AlertOut): void {
    if (this.state.checkEnd(ts) === 'end') this.emitEnd(ts, out);
  }

  private emitEnd(ts: number, out: AlertOut): void {
    this.lastEndTs = ts;
    out.emit(
      {
        rule: this.name, kind: this.cfg.kind, type: 'end', class: 'alert', zone: this.zone.name, ts,
        data: { startId: this.startId, durationS: round((ts - this.state.activeSince) / 1000), maxCount: this.maxCount },
      },
      false,
    );
  }
}

function clippedArea(b: Box, clip: Box): number {
  const w = Math.min(b.x2, clip.x2) - Math.max(b.x1, clip.x1);
  const h = Math.min(b.y2, clip.y2) - Math.max(b.y1, clip.y1);
  return w > 0 && h > 0 ? w * h : 0;
}
