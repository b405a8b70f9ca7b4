import { describe, expect, it } from 'vitest';
import { Tracker } from '../../../src/track/tracker.js';
import { det, eventsConfig } from './helpers.js';

const cfg = (over: Record<string, unknown> = {}) => eventsConfig({ tracker: over }).tracker;

describe('tracker', () => {
  it('confirms after min_hits and keeps one id for a moving object, using timestamps', () => {
    const t = new Tracker(cfg({ minHits: 3 }));
    const confirmed: boolean[] = [];
    for (let i = 0; i < 6; i++) {
      t.update(i * 200, [det('car', 100 + i * 20, 100, 80, 50)]);
      confirmed.push(t.active[0]!.confirmed);
    }
    expect(confirmed).toEqual([false, false, true, true, true, true]);
    expect(t.active.map((x) => x.id)).toEqual([1]);
    // 20 px per 200 ms = 100 px/s to the right
    expect(t.active[0]!.vx).toBeCloseTo(100, 5);
    expect(t.active[0]!.vy).toBeCloseTo(0, 5);
  });

  it('predicts with velocity across skipped frames, where plain IoU would lose the object', () => {
    const t = new Tracker(cfg({ minHits: 2, maxAgeS: 3 }));
    for (let i = 0; i < 4; i++) t.update(i * 100, [det('car', 100 + i * 40, 100, 80, 50)]);
    // 2 s without a match (frames skipped or missed): the car moved 800 px, far from its last box
    t.update(300 + 2000, [det('car', 220 + 800, 100, 80, 50)]);
    expect(t.active.map((x) => [x.id, x.misses])).toEqual([[1, 0]]);
  });

  it('keeps a confirmed track through a short occlusion and drops it after max_age_s', () => {
    const t = new Tracker(cfg({ minHits: 2, maxAgeS: 1 }));
    t.update(0, [det('person', 100, 100, 40, 100)]);
    t.update(100, [det('person', 100, 100, 40, 100)]);
    t.update(500, []);
    t.update(900, []);
    expect(t.active.map((x) => [x.id, x.misses])).toEqual([[1, 2]]);
    t.update(1000, [det('person', 100, 100, 40, 100)]);
    expect(t.active.map((x) => [x.id, x.misses])).toEqual([[1, 0]]);
    const removed = t.update(2100, []);
    expect(removed.map((x) => x.id)).toEqual([1]);
    t.update(2200, [det('person', 100, 100, 40, 100)]);
    expect(t.active.map((x) => x.id)).toEqual([2]);
  });

  it('drops a tentative track at its first miss', () => {
    const t = new Tracker(cfg({ minHits: 3 }));
    t.update(0, [det('person', 100, 100, 40, 100)]);
    expect(t.update(100, []).map((x) => x.id)).toEqual([1]);
    expect(t.active).toHaveLength(0);
  });

  it('keeps confirmed tracks alive with low-score detections (second round), which never start tracks', () => {
    const t = new Tracker(cfg({ minHits: 2, highScore: 0.5, lowScore: 0.1 }));
    t.update(0, [det('person', 100, 100, 40, 100, 0.8)]);
    t.update(100, [det('person', 100, 100, 40, 100, 0.8)]);
    t.update(200, [det('person', 102, 100, 40, 100, 0.2), det('person', 600, 600, 40, 100, 0.3)]);
    expect(t.active.map((x) => [x.id, x.misses, x.matched])).toEqual([[1, 0, true]]);
    // and a detection under low_score is ignored entirely
    t.update(300, [det('person', 102, 100, 40, 100, 0.05)]);
    expect(t.active.map((x) => [x.id, x.misses])).toEqual([[1, 1]]);
  });

  it('keeps two objects apart when they pass each other', () => {
    const t = new Tracker(cfg({ minHits: 1 }));
    for (let i = 0; i <= 20; i++) {
      t.update(i * 100, [det('person', 100 + i * 15, 200, 40, 100), det('person', 400 - i * 15, 210, 40, 100)]);
    }
    const byId = new Map(t.active.map((x) => [x.id, x.box.x1]));
    expect(byId).toEqual(new Map([[1, 400], [2, 100]]));
  });

  it('keeps one id when the detector flips between car and truck, reporting the more frequent label', () => {
    const t = new Tracker(cfg({ minHits: 1 }));
    const labels = ['car', 'truck', 'car', 'car', 'truck'];
    labels.forEach((l, i) => t.update(i * 100, [det(l, 100, 100, 120, 60)]));
    expect(t.active.map((x) => [x.id, x.label])).toEqual([[1, 'car']]);
  });

  it('marks a parked car stationary, keeps it through still (skipped) frames, and un-marks it when it drives off', () => {
    const t = new Tracker(cfg({ minHits: 2, stationaryS: 5, stationaryMove: 0.1, maxAgeS: 1, stationaryMaxAgeS: 60 }));
    for (let i = 0; i <= 6; i++) t.update(i * 1000, [det('car', 300 + (i % 2) * 3, 300, 120, 60)]);
    expect(t.active[0]!.stationary).toBe(true);
    expect(t.hasMoving()).toBe(false);
    // 30 s of frames the motion gate skipped: the parked car stays
    for (let s = 7; s < 37; s++) t.coast(s * 1000);
    expect(t.active.map((x) => [x.id, x.stationary])).toEqual([[1, true]]);
    t.update(37_000, [det('car', 330, 300, 120, 60)]);
    expect(t.active.map((x) => [x.id, x.stationary])).toEqual([[1, false]]);
    expect(t.hasMoving()).toBe(true);
  });

  it('drops a moving track on skipped frames once its max age has passed', () => {
    const t = new Tracker(cfg({ minHits: 1, maxAgeS: 1 }));
    t.update(0, [det('person', 100, 100, 40, 100)]);
    expect(t.coast(500)).toHaveLength(0);
    expect(t.coast(1500).map((x) => x.id)).toEqual([1]);
  });
});
