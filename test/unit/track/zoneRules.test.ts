import { describe, expect, it } from 'vitest';
import { brief, det, run, stage } from './helpers.js';

const ATM = { name: 'atm', polygon: [[0.1, 0.1], [0.5, 0.1], [0.5, 0.5], [0.1, 0.5]] };
const tracker = { minHits: 2, maxAgeS: 1 };

/** A person (40×100 px) whose foot point is at (fx, fy) in source pixels. */
const person = (fx: number, fy: number, score = 0.9) => det('person', fx - 20, fy - 100, 40, 100, score);

describe('zone_entry', () => {
  const rules = [{ name: 'atm_entry', kind: 'zone_entry', zone: 'atm', classes: ['person'], durationS: 1, cooldownS: 0 }];

  it('alerts once per object, after min duration, even when it leaves and comes back', () => {
    const { stage: s, alerts } = stage({ zones: [ATM], rules, tracker });
    // walks in from the right (x 800 → 300 at y 400), stays, walks out, comes back
    const path = (i: number) => (i < 25 ? 800 - i * 20 : i < 40 ? 300 : i < 60 ? 300 + (i - 40) * 20 : 700 - (i - 60) * 20);
    run(s, 0, 80, 100, (i) => [person(path(i), 400)]);
    expect(alerts.map(brief)).toEqual([
      { rule: 'atm_entry', kind: 'zone_entry', type: 'instant', class: 'alert', trackId: 1, label: 'person', zone: 'atm', line: undefined },
    ]);
    const a = alerts[0]!;
    // the foot is first inside the zone (x < 500) at i=16, t=1.6 s; 1 s in the zone ⇒ t=2.6 s
    expect(a.ts).toBe(2600);
    expect(a.data).toMatchObject({ dwellS: 1, stationary: false });
    expect(a.box).toEqual({ x1: 0.28, y1: 0.3, x2: 0.32, y2: 0.4 });
    expect(a).toMatchObject({ gatewayId: 'gw-1', cameraId: 'cam-1', modelId: 'yolox-nano-int8' });
    expect(a.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('ignores glimpses shorter than the min duration, other classes and weak tracks', () => {
    const { stage: s, alerts } = stage({ zones: [ATM], rules, tracker });
    // a person running down through the zone in 0.7 s, a car parked inside, a faint person inside
    run(s, 0, 30, 100, (i) => [
      person(450, 100 + i * 60),
      det('car', 150, 300, 120, 100),
      person(200, 450, 0.3),
    ]);
    expect(alerts).toEqual([]);
  });

  it('cooldown: one alert for a group, the next after the cooldown carries the suppressed count', () => {
    const { stage: s, alerts } = stage({ zones: [ATM], rules: [{ ...rules[0], cooldownS: 60 }], tracker });
    run(s, 0, 20, 100, () => [person(200, 300), person(400, 300)]);
    run(s, 70_000, 20, 100, () => [person(200, 300), person(400, 300), person(300, 450)]);
    // 70 s later all three are new objects (3, 4, 5): 3 goes out carrying track 2's suppressed alert
    expect(alerts.map((a) => [a.trackId, a.data?.['suppressed']])).toEqual([
      [1, undefined],
      [3, 1],
    ]);
    expect(s.stats().alertsByRule).toEqual({ atm_entry: 2 });
  });
});

describe('loitering', () => {
  const rules = [{ name: 'atm_loiter', kind: 'loitering', zone: 'atm', classes: ['person'], durationS: 120, cooldownS: 0 }];

  it('alerts once when a person stays longer than the duration, not for one passing through', () => {
    const { stage: s, alerts } = stage({ zones: [ATM], rules, tracker });
    // one frame a second for 200 s: a person standing by the ATM, and one walking through in 40 s
    run(s, 0, 200, 1000, (i) => [person(300 + (i % 2) * 2, 300), ...(i < 40 ? [person(50 + i * 15, 450)] : [])]);
    expect(alerts.map(brief)).toEqual([
      { rule: 'atm_loiter', kind: 'loitering', type: 'instant', class: 'alert', trackId: 1, label: 'person', zone: 'atm', line: undefined },
    ]);
    // confirmed at the second frame (t=1 s), then 120 s in the zone
    expect(alerts[0]!.ts).toBe(121_000);
    expect(alerts[0]!.data).toMatchObject({ dwellS: 120, stationary: true });
  });

  it('does not alert for a stationary object when include_stationary is false', () => {
    const { stage: s, alerts } = stage({ zones: [ATM], rules: [{ ...rules[0], includeStationary: false }], tracker });
    run(s, 0, 200, 1000, () => [person(300, 300)]);
    expect(alerts).toEqual([]);
  });
});
