import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { jsonLines, makePatternClip, ROOT, runCli, STREET, tempDir } from '../helpers/media.js';

interface Out {
  rule?: string;
  kind?: string;
  type?: string;
  class?: string;
  label?: string;
  time?: string;
  snapshot?: string;
  data?: Record<string, unknown>;
  summary?: {
    frames: number;
    frames_processed: number;
    frames_skipped: number;
    alerts: number;
    alerts_by_rule: Record<string, number>;
    counts_by_line: Record<string, Record<string, { leftToRight: number; rightToLeft: number }>>;
  };
}

async function replay(video: string, config: string): Promise<{ alerts: Out[]; summary: NonNullable<Out['summary']> }> {
  const r = await runCli(['replay', video, '--config', config]);
  expect(r.code, r.stderr).toBe(0);
  const lines = jsonLines<Out>(r.stdout);
  const summary = lines.pop()!.summary!;
  return { alerts: lines, summary };
}

describe('replay of the street clip with config/example.yaml', () => {
  let alerts: Out[];
  let summary: NonNullable<Out['summary']>;
  let t0: number;
  beforeAll(async () => {
    ({ alerts, summary } = await replay(STREET, join(ROOT, 'config', 'example.yaml')));
    // The first count summary starts at the first frame.
    const firstCount = alerts.find((a) => a.kind === 'count')!;
    t0 = Number(firstCount.data!['from_ts']);
  });

  it('raises one arrival per parked vehicle, and never again while they stand', () => {
    // By eye: a white van and a car (right edge, half in view) stand in the car park for all
    // 79.5 s. Two objects, two alerts; the van, scored as both car and truck, must not count twice.
    const arrivals = alerts.filter((a) => a.rule === 'car_park_arrival');
    expect(arrivals).toHaveLength(2);
    expect(arrivals.every((a) => a.snapshot?.endsWith('.jpg'))).toBe(true);
  });

  it('counts people crossing the west line as a person counts them', () => {
    // Counted by eye on frames at 2 fps with the line (x = 0.13 of the width) drawn on them.
    // Heading west (right to left on screen), with the time of crossing:
    //   14.5 s a small figure in the far background, by the building
    //   19.7 s a person in a white hood;  21.8 s a person in a dark jacket
    //   55.7 s a woman in red;  70 s a fair-haired person on the lawn;  72.8 s a person in blue
    // Heading east: 62.8 s the woman in red coming back;  73.5 s the fair-haired person turning back.
    // Two people walk up to the line and turn back (27.5 s, 63 s): they must not count.
    // Standing at a (top) looking to b (bottom), west is on the right: west = "left_to_right".
    const counts = summary.counts_by_line['west_path']!['person']!;
    expect(Math.abs(counts.leftToRight - 6)).toBeLessThanOrEqual(1);
    expect(Math.abs(counts.rightToLeft - 2)).toBeLessThanOrEqual(1);
  });

  it('raises wrong-way alerts for the westward crossings, at the times they happen', () => {
    const wrongWay = alerts.filter((a) => a.rule === 'west_path_wrong_way');
    expect(Math.abs(wrongWay.length - 6)).toBeLessThanOrEqual(1);
    const seconds = wrongWay.map((a) => (Date.parse(a.time!) - t0) / 1000);
    for (const expected of [14.5, 19.7, 21.8, 55.7, 70, 72.8]) {
      expect(seconds.some((s) => Math.abs(s - expected) <= 2.5), `a crossing near ${expected} s in ${seconds}`).toBe(true);
    }
    expect(wrongWay.every((a) => a.label === 'person' && a.type === 'instant')).toBe(true);
  });

  it('publishes the counts as interval summaries, the last one partial', () => {
    const counts = alerts.filter((a) => a.kind === 'count');
    expect(counts.map((c) => c.data!['partial'])).toEqual([false, true]);
    const total = counts.reduce((n, c) => n + Number(c.data!['total']), 0);
    const byLine = summary.counts_by_line['west_path']!['person']!;
    expect(total).toBe(byLine.leftToRight + byLine.rightToLeft);
  });

  it('stays quiet otherwise: no health alert, no loitering (nobody stays 120 s), few alerts in all', () => {
    expect(alerts.filter((a) => a.class === 'health')).toEqual([]);
    expect(alerts.filter((a) => a.rule === 'plaza_loitering')).toEqual([]);
    expect(summary.alerts).toBeLessThanOrEqual(12);
    expect(summary.frames).toBeGreaterThanOrEqual(390);
  });
});

describe('replay of synthetic cameras', () => {
  const dir = tempDir();
  function config(health: string): string {
    const path = join(dir, `cfg-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(path, `gateway: { id: gw-t, province: hn, commune: c1 }
outbox: { path: outbox.db }
storage: { snapshot_dir: snaps }
cameras:
  - id: cam-1
    source: file:///unused.mp4
    detect_fps: 5
    events:
      motion: { force_interval_s: 10 }
      zones: [{ name: all, polygon: [[0, 0], [1, 0], [1, 1], [0, 1]] }]
      rules: [{ name: anyone, kind: zone_entry, zone: all, classes: [person, car], duration_s: 0 }]
      health: { ${health} }
`);
    return path;
  }

  it('a static test pattern raises no object alert and skips most frames', async () => {
    const clip = makePatternClip(join(dir, 'pinwheel.mp4'), { pattern: 'pinwheel', frames: 200 });
    const { alerts, summary } = await replay(clip, config('frozen_s: 60'));
    expect(alerts.filter((a) => a.class === 'alert')).toEqual([]);
    expect(summary.frames).toBeGreaterThanOrEqual(95);
    // Inference runs on the first frame and then once per force interval (10 s) only.
    expect(summary.frames_skipped / summary.frames).toBeGreaterThan(0.9);
  });

  it('a frozen picture raises a frozen health alert', async () => {
    const clip = makePatternClip(join(dir, 'frozen.mp4'), { pattern: 'pinwheel', frames: 150 });
    const { alerts } = await replay(clip, config('frozen_s: 5'));
    const frozen = alerts.filter((a) => a.class === 'health' && a.rule === 'frozen');
    expect(frozen.map((a) => a.type)).toEqual(['start']);
  });

  it('a covered (black) camera raises one obstructed alert and no object alert', async () => {
    const black = makePatternClip(join(dir, 'black.mp4'), { pattern: 'black', frames: 100 });
    const { alerts } = await replay(black, config('bad_s: 3, frozen_s: 600'));
    const obstructed = alerts.filter((a) => a.rule === 'obstructed');
    expect(obstructed).toHaveLength(1);
    expect(obstructed[0]).toMatchObject({ type: 'start', class: 'health', kind: 'health', data: { reason: 'dark' } });
    expect(alerts.filter((a) => a.class === 'alert')).toEqual([]);
  });
});
