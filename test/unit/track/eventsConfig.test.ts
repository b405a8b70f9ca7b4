import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkEvents } from '../../../src/config/eventsSchema.js';
import { parseConfig } from '../../../src/config/loadConfig.js';
import { ConfigError } from '../../../src/errors.js';
import { EventStage } from '../../../src/track/eventStage.js';
import { silentLog } from './helpers.js';

const FILE = join(import.meta.dirname, '../../fixtures/events/street-camera.yaml');

describe('events config through the loader', () => {
  it('maps the street camera example from snake_case, fills defaults and passes the cross-checks', () => {
    const cfg = parseConfig(readFileSync(FILE, 'utf8'), FILE, { env: {} });
    const ev = cfg.cameras[0]!.events;
    expect(ev.motion).toMatchObject({ enabled: true, pixelThreshold: 20, forceIntervalS: 10, backgroundAlpha: 0.05 });
    expect(ev.tracker).toMatchObject({ minHits: 3, stationaryMaxAgeS: 120, highScore: 0.5 });
    expect(ev.rules.map((r) => [r.name, r.kind, r.zone ?? r.line])).toEqual([
      ['taped_area_entry', 'zone_entry', 'taped_area'],
      ['plaza_loitering', 'loitering', 'plaza'],
      ['plaza_crowd', 'crowding', 'plaza'],
      ['car_park_full', 'congestion', 'car_park'],
      ['service_road_wrong_way', 'wrong_way', 'service_road'],
    ]);
    expect(ev.rules[1]).toMatchObject({ minScore: 0.4, includeStationary: true, classes: ['person'] });
    expect(ev.lines[1]).toMatchObject({ direction: 'right_to_left', countIntervalS: 900 });
    expect(checkEvents(ev, 'cameras[0].events')).toEqual([]);
    expect(
      () => new EventStage(ev, { gatewayId: 'g', cameraId: 'street-1', modelId: 'm', snapshotDir: '/tmp', snapshotMaxBytes: 1e6 }, { emit: () => undefined }, silentLog),
    ).not.toThrow();
  });

  it('an empty events block is valid and fully defaulted', () => {
    const cfg = parseConfig('gateway: { id: g, province: p, commune: c }\ncameras:\n  - id: c1\n    source: file:///x.mp4\n', 'x.yaml', { env: {} });
    const ev = cfg.cameras[0]!.events;
    expect(ev).toMatchObject({ zones: [], lines: [], rules: [], motion: { enabled: true }, health: { enabled: true, noFrameS: 30 } });
    expect(checkEvents(ev, 'cameras[0].events')).toEqual([]);
  });

  it('rejects unknown keys and out-of-range values with the operator\'s path', () => {
    const text = readFileSync(FILE, 'utf8').replace('pixel_threshold: 20', 'pixel_treshold: 20').replace('min_hits: 3', 'min_hits: 0');
    let problems: string[] = [];
    try {
      parseConfig(text, FILE, { env: {} });
    } catch (err) {
      problems = (err as ConfigError).problems;
    }
    expect(problems.some((p) => p.startsWith('cameras[0].events.motion') && p.includes('unknown key "pixel_treshold"'))).toBe(true);
    expect(problems.some((p) => p.startsWith('cameras[0].events.tracker.min_hits'))).toBe(true);
  });
});
