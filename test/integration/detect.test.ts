import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { jsonLines, makePatternClip, MEGAMIND_BUGY, PARKING, requireFile, runCli, STREET, tempDir } from '../helpers/media.js';

interface Line {
  camera: string;
  seq: number;
  ts: number;
  detections: { label: string; score: number; box: { x1: number; y1: number; x2: number; y2: number } }[];
}

function iou(a: Line['detections'][0]['box'], b: Line['detections'][0]['box']): number {
  const w = Math.max(0, Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1));
  const h = Math.max(0, Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1));
  const inter = w * h;
  return inter / ((a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - inter);
}

describe('edge-agent detect on real video', () => {
  let street: Line[];
  beforeAll(async () => {
    const r = await runCli(['detect', requireFile(STREET), '--fps', '2', '--frames', '40']);
    expect(r.code, r.stderr).toBe(0);
    street = jsonLines<Line>(r.stdout);
  });

  it('finds persons on most frames of the street clip, inside the 768×576 frame', () => {
    expect(street).toHaveLength(40);
    expect(street.map((l) => l.seq)).toEqual([...Array(40).keys()]);
    const withPerson = street.filter((l) => l.detections.some((d) => d.label === 'person' && d.score >= 0.5));
    expect(withPerson.length / street.length).toBeGreaterThan(0.9);
    for (const d of street.flatMap((l) => l.detections)) {
      expect(d.box.x1).toBeGreaterThanOrEqual(0);
      expect(d.box.y1).toBeGreaterThanOrEqual(0);
      expect(d.box.x2).toBeLessThanOrEqual(768);
      expect(d.box.y2).toBeLessThanOrEqual(576);
      expect(d.box.x2).toBeGreaterThan(d.box.x1);
      expect(d.box.y2).toBeGreaterThan(d.box.y1);
      expect(d.score).toBeGreaterThanOrEqual(0.3);
    }
  });

  it('spaces frame timestamps by the requested rate (2 fps → 500 ms)', () => {
    expect(street[10]!.ts - street[0]!.ts).toBe(5000);
  });

  it('agrees between the fp32 and int8 models on most boxes', async () => {
    const r = await runCli(['detect', STREET, '--fps', '2', '--frames', '40', '--model', 'yolox-nano']);
    expect(r.code, r.stderr).toBe(0);
    const fp32 = jsonLines<Line>(r.stdout);
    let matched = 0;
    let total = 0;
    fp32.forEach((line, i) => {
      const int8 = street[i]!.detections.filter((d) => d.score >= 0.4);
      for (const d of line.detections.filter((x) => x.score >= 0.4)) {
        total++;
        if (int8.some((e) => e.label === d.label && iou(e.box, d.box) >= 0.5)) matched++;
      }
    });
    expect(total).toBeGreaterThan(100);
    expect(matched / total).toBeGreaterThan(0.9);
  });

  it('finds no person in a synthetic GStreamer test pattern (H.265)', async () => {
    const clip = makePatternClip(join(tempDir(), 'smpte.mp4'), { pattern: 'smpte', codec: 'h265', frames: 40 });
    const r = await runCli(['detect', clip, '--fps', '10']);
    expect(r.code, r.stderr).toBe(0);
    const lines = jsonLines<Line>(r.stdout);
    expect(lines.length).toBeGreaterThanOrEqual(35);
    expect(lines.flatMap((l) => l.detections).filter((d) => d.label === 'person')).toEqual([]);
  });

  it('decodes a clip with an audio track', async () => {
    const r = await runCli(['detect', requireFile(PARKING), '--fps', '1', '--frames', '5']);
    expect(r.code, r.stderr).toBe(0);
    expect(jsonLines(r.stdout)).toHaveLength(5);
  });
});

describe('edge-agent detect on bad input', () => {
  it('names a missing file', async () => {
    const r = await runCli(['detect', '/nonexistent/clip.mp4']);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('video not-found: video file not found: /nonexistent/clip.mp4');
  });

  it('names a truncated MP4 as damaged', async () => {
    const dir = tempDir();
    const cut = join(dir, 'cut.mp4');
    writeFileSync(cut, (await import('node:fs')).readFileSync(STREET).subarray(0, 1_000_000));
    const r = await runCli(['detect', cut]);
    expect(r.code).toBe(4);
    // GStreamer either reports "no playable streams" at once or, rarely, hangs on the truncated file;
    // then the stall timer names it. Both are the decode kind with a message saying the file is damaged.
    expect(r.stderr).toMatch(/video decode: .*(no playable streams.*damaged or not in a format GStreamer recognises|gave no frame in 10 s .*damaged or truncated)/);
  });

  it('names a file that is not a video', async () => {
    const dir = tempDir();
    const fake = join(dir, 'notes.mp4');
    copyFileSync(join(STREET, '..', 'PROVENANCE.md'), fake);
    const r = await runCli(['detect', fake]);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/video decode: .*text file/);
  });

  it('survives the damaged opencv-doc clip: GStreamer conceals the damage and frames still come', async () => {
    const r = await runCli(['detect', requireFile(MEGAMIND_BUGY), '--fps', '5']);
    // The damage is inside frames (the container is intact), so decoding goes on to the end.
    expect(r.code, r.stderr).toBe(0);
    expect(jsonLines(r.stdout).length).toBeGreaterThan(30);
  });

  it('names a codec GStreamer has no decoder for', async () => {
    // Ranking every H.264 decoder out is what a machine without gstreamer1.0-libav looks like.
    const r = await runCli(['detect', STREET], { env: { GST_PLUGIN_FEATURE_RANK: 'avdec_h264:NONE,openh264dec:NONE,v4l2h264dec:NONE,vah264dec:NONE' } });
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('video missing-plugin: camera cli: GStreamer has no H.264 decoder');
    expect(r.stderr).toContain('run scripts/setup');
  });

  it('names an unknown model and lists the known ones', async () => {
    const r = await runCli(['detect', STREET, '--model', 'yolov99']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('unknown model "yolov99"; models/manifest.json lists: yolox-nano-int8, yolox-nano');
  });

  it('rejects a bad option value with usage help', async () => {
    const r = await runCli(['detect', STREET, '--fps', '-3']);
    expect(r.code).toBe(64);
    expect(r.stderr).toContain('--fps must be a positive number');
  });
});
