import type { EventsConfig, RuleConfig, ZoneConfig } from '../../config/eventsSchema.js';
import { LineMonitor, type Crossing } from './lineMonitor.js';
import { LineRule } from './lineRule.js';
import { OccupancyRule } from './occupancy.js';
import type { Rule } from './rule.js';
import { ZoneDwellRule } from './zoneDwell.js';

/** A camera's line monitors and rules, in config order. References must have passed checkEvents. */
export interface RuleSet {
  monitors: LineMonitor[];
  /** Each monitor's crossings on the current frame, by line name; filled by the stage before the rules run. */
  crossings: Map<string, Crossing[]>;
  rules: Rule[];
}

export function buildRules(cfg: EventsConfig): RuleSet {
  const monitors = cfg.lines.map((l) => new LineMonitor(l));
  const crossings = new Map<string, Crossing[]>(cfg.lines.map((l) => [l.name, []]));
  const rules = cfg.rules.map((r) => buildRule(r, cfg, monitors, crossings));
  return { monitors, crossings, rules };
}

function buildRule(r: RuleConfig, cfg: EventsConfig, monitors: LineMonitor[], crossings: Map<string, Crossing[]>): Rule {
  switch (r.kind) {
    case 'zone_entry':
    case 'loitering':
      return new ZoneDwellRule(r, zoneOf(r, cfg));
    case 'congestion':
    case 'crowding':
      return new OccupancyRule(r, zoneOf(r, cfg));
    case 'line_crossing':
    case 'wrong_way': {
      const monitor = monitors.find((m) => m.cfg.name === r.line);
      if (!monitor) throw new Error(`rule "${r.name}": unknown line "${r.line}"`);
      return new LineRule(r, monitor, () => crossings.get(monitor.cfg.name) ?? []);
    }
  }
}

function zoneOf(r: RuleConfig, cfg: EventsConfig): ZoneConfig {
  const zone = cfg.zones.find((z) => z.name === r.zone);
  if (!zone) throw new Error(`rule "${r.name}": unknown zone "${r.zone}"`);
  return zone;
}
