import type { RuleConfig, ZoneConfig } from '../../config/eventsSchema.js';
import { insidePolygon } from '../../motion/polygonMask.js';
import { Cooldown, eligible, type AlertOut, type Rule, type RuleFrame } from './rule.js';

/**
 * zone_entry and loitering: an object whose foot point has been inside the zone for durationS
 * raises one alert for its whole life, however often it leaves and comes back. The two differ only
 * in intent (entry: durationS small, a glimpse filter; loitering: durationS is the dwell time).
 * Leaving the zone restarts the clock.
 */
export class ZoneDwellRule implements Rule {
  readonly name: string;
  private readonly insideSince = new Map<number, number>();
  private readonly alerted = new Set<number>();
  private readonly cooldown: Cooldown;

  constructor(
    private readonly cfg: RuleConfig,
    private readonly zone: ZoneConfig,
  ) {
    this.name = cfg.name;
    this.cooldown = new Cooldown(cfg.cooldownS * 1000);
  }

  onFrame(f: RuleFrame, out: AlertOut): void {
    for (const v of f.tracks) {
      const id = v.track.id;
      if (this.alerted.has(id) || !eligible(this.cfg, v)) continue;
      if (!insidePolygon(v.foot.x, v.foot.y, this.zone.polygon)) {
        this.insideSince.delete(id);
        continue;
      }
      const since = this.insideSince.get(id) ?? f.ts;
      this.insideSince.set(id, since);
      if (f.ts - since < this.cfg.durationS * 1000) continue;
      this.alerted.add(id);
      if (!this.cooldown.allow(f.ts)) continue;
      const t = v.track;
      out.emit(
        {
          rule: this.name, kind: this.cfg.kind, type: 'instant', class: 'alert', label: t.label, score: round(t.score),
          box: v.box, trackId: id, zone: this.zone.name, ts: f.ts,
          data: { dwellS: round((f.ts - since) / 1000), stationary: t.stationary, ...this.cooldown.take() },
        },
        true,
      );
    }
  }

  onTrackEnd(id: number): void {
    this.insideSince.delete(id);
    this.alerted.delete(id);
  }
}

export function round(x: number, digits = 3): number {
  const k = 10 ** digits;
  return Math.round(x * k) / k;
}
