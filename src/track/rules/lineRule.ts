import type { RuleConfig } from '../../config/eventsSchema.js';
import type { Crossing, LineMonitor } from './lineMonitor.js';
import { Cooldown, eligible, type AlertOut, type Rule, type RuleFrame } from './rule.js';
import { round } from './zoneDwell.js';

/**
 * line_crossing (every crossing of the chosen classes) and wrong_way (only crossings against the
 * line's allowed direction). The line's monitor finds crossings; the stage runs it before the rules.
 */
export class LineRule implements Rule {
  readonly name: string;
  private readonly cooldown: Cooldown;

  constructor(
    private readonly cfg: RuleConfig,
    private readonly monitor: LineMonitor,
    private readonly crossings: () => readonly Crossing[],
  ) {
    this.name = cfg.name;
    this.cooldown = new Cooldown(cfg.cooldownS * 1000);
  }

  onFrame(f: RuleFrame, out: AlertOut): void {
    for (const c of this.crossings()) {
      if (this.cfg.kind === 'wrong_way' && !c.wrongWay) continue;
      if (!eligible(this.cfg, c.view) || !this.cooldown.allow(f.ts)) continue;
      const t = c.view.track;
      out.emit(
        {
          rule: this.name, kind: this.cfg.kind, type: 'instant', class: 'alert', label: t.label, score: round(t.score),
          box: c.view.box, trackId: t.id, line: this.monitor.cfg.name, ts: f.ts,
          data: {
            direction: c.direction,
            allowed: this.monitor.cfg.direction,
            ...(c.lane === undefined ? {} : { lane: c.lane }),
            ...(c.speedPxS > 0 ? { speedPxS: round(c.speedPxS, 1) } : {}),
            ...(c.stitched ? { stitched: true } : {}),
            ...this.cooldown.take(),
          },
        },
        true,
      );
    }
  }
}
