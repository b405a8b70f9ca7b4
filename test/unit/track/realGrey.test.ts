import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { greySlices } from '../../../src/motion/measureSkip.js';
import { MotionGate } from '../../../src/motion/motionGate.js';
import { GreyMeter } from '../../../src/track/rules/greyStats.js';
import { eventsConfig, frame, stage } from './helpers.js';

const RAW = readFileSync(join(import.meta.dirname, '../../fixtures/events/vtest-160x120-gray8.raw'));
const [f0, f1, f100, f300] = [...greySlices(RAW, 160, 120)] as [Buffer, Buffer, Buffer, Buffer];
const grey = (data: Buffer) => ({ data, width: 160, height: 120 });

describe('real street pictures (vtest)', () => {
  it('measure far from every health threshold', () => {
    const cfg = eventsConfig({}).health;
    const meter = new GreyMeter();
    for (const pic of [f0, f100, f300]) {
      const m = { ...meter.measure(grey(pic)) };
      expect(m.mean).toBeGreaterThan(cfg.darkMean * 4);
      expect(m.std).toBeGreaterThan(cfg.uniformStd * 4);
      expect(m.sharpness).toBeGreaterThan(cfg.blurVar * 20);
    }
    // consecutive frames (0.1 s apart) differ by far more than a frozen picture would
    meter.measure(grey(f0));
    expect(meter.measure(grey(f1)).diff).toBeGreaterThan(eventsConfig({}).health.frozenMaxDiff * 10);
  });

  it('the motion gate sees pedestrians move between frames 10 s apart, and nothing in a repeated frame', () => {
    const gate = new MotionGate(eventsConfig({}).motion);
    gate.detect(grey(f100));
    expect(gate.detect(grey(f100)).motion).toBe(false);
    expect(gate.detect(grey(f300)).motion).toBe(true);
  });

  it('a covered lens (the street picture darkened and flattened) raises obstructed, the street again ends it', () => {
    const covered = Buffer.from(f100.map((v) => 4 + (v >> 6)));
    const { stage: s, alerts } = stage({ health: { enabled: true, badS: 5, clearS: 5, frozenS: 3600 } });
    for (let i = 0; i < 30; i++) {
      const pic = i < 10 || i >= 20 ? (i % 2 ? f100 : f300) : covered;
      s.onFrame(frame(i * 1000, pic, 160, 120), []);
    }
    expect(alerts.map((a) => [a.rule, a.type, a.ts, a.data?.['reason']])).toEqual([
      ['obstructed', 'start', 15_000, 'dark'],
      ['obstructed', 'end', 25_000, undefined],
    ]);
  });
});
