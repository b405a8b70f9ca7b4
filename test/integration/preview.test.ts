import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { parseDocument } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { LINE_COLOUR, ZONE_COLOURS, ZONE_TINT } from '../../src/track/overlay.js';
import { startRtspServer } from '../helpers/rtspServer.js';
import { makePatternClip, ROOT, runCli, STREET, tempDir } from '../helpers/media.js';
import { pathToFileURL } from 'node:url';

// `camera preview` on the street clip with config/example.yaml: the JPEG decoded back, its size, and
// the plaza zone's pixels tinted compared with the same frame drawn without any zone.

const EXAMPLE = join(ROOT, 'config', 'example.yaml');
type Rgb = [number, number, number];

function decode(file: string): { width: number; height: number; px(x: number, y: number): Rgb } {
  const img = jpeg.decode(readFileSync(file), { useTArray: true });
  return {
    width: img.width,
    height: img.height,
    px: (x, y) => {
      const i = (Math.round(y * (img.height - 1)) * img.width + Math.round(x * (img.width - 1))) * 4;
      return [img.data[i]!, img.data[i + 1]!, img.data[i + 2]!];
    },
  };
}

function inside(p: [number, number], poly: readonly (readonly number[])[]): boolean {
  let hit = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i]! as [number, number];
    const [xj, yj] = poly[j]! as [number, number];
    if (yi > p[1] !== yj > p[1] && p[0] < xi + ((p[1] - yi) * (xj - xi)) / (yj - yi)) hit = !hit;
  }
  return hit;
}

const PLAZA = [[0, 0.34], [0.75, 0.3], [1, 0.34], [1, 0.86], [0.7, 0.76], [0.45, 0.6], [0, 0.43]];
const CAR_PARK = [[0.8, 0.04], [1, 0.04], [1, 0.2], [0.8, 0.2]];
const MASK = [[0.25, 0], [0.33, 0], [0.33, 0.12], [0.25, 0.12]];

describe('edge-agent camera preview', () => {
  const dir = tempDir();
  let bare: string;

  beforeAll(() => {
    // The same camera with nothing to draw but detections: the reference picture.
    const doc = parseDocument(readFileSync(EXAMPLE, 'utf8'));
    doc.setIn(['cameras', 0, 'source'], pathToFileURL(STREET).href);
    doc.setIn(['cameras', 0, 'events', 'zones'], []);
    doc.setIn(['cameras', 0, 'events', 'lines'], []);
    doc.setIn(['cameras', 0, 'events', 'rules'], []);
    doc.setIn(['cameras', 0, 'events', 'motion', 'masks'], []);
    bare = join(dir, 'bare.yaml');
    writeFileSync(bare, String(doc));
  });

  it('writes the frame at --at with the zones tinted, lines and detections drawn', async () => {
    const out = join(dir, 'street.jpg');
    const r = await runCli(['camera', 'preview', 'street-1', '--config', EXAMPLE, '--at', '20', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('camera street-1: frame 200 at 20.0 s, 768x576');
    expect(r.stdout).toMatch(/drawn: 2 zone\(s\), 1 line\(s\), 1 mask\(s\), \d+ detection\(s\): person/);
    const ref = join(dir, 'bare.jpg');
    const b = await runCli(['camera', 'preview', 'street-1', '--config', bare, '--at', '20', '--out', ref]);
    expect(b.code, b.stderr).toBe(0);

    const drawn = decode(out);
    const plain = decode(ref);
    expect([drawn.width, drawn.height]).toEqual([768, 576]);
    const cyan = [...ZONE_COLOURS[1]!].reverse(); // plaza is the second zone; BGR → RGB
    let tinted = 0;
    let untouched = 0;
    let inZone = 0;
    let outside = 0;
    for (let y = 0.02; y < 1; y += 0.04) {
      for (let x = 0.02; x < 1; x += 0.04) {
        const p: [number, number] = [x, y];
        const d = drawn.px(x, y);
        const q = plain.px(x, y);
        if (inside(p, PLAZA) && x > 0.2) {
          inZone++;
          const expected = q.map((v, k) => v * (1 - ZONE_TINT) + cyan[k]! * ZONE_TINT);
          if (d.every((v, k) => Math.abs(v - expected[k]!) <= 16)) tinted++;
        } else if (!inside(p, PLAZA) && !inside(p, CAR_PARK) && !inside(p, MASK) && Math.abs(x - 0.13) > 0.08 && y > 0.1) {
          outside++;
          if (d.every((v, k) => Math.abs(v - q[k]!) <= 10)) untouched++;
        }
      }
    }
    expect(inZone).toBeGreaterThan(100);
    // Detection boxes and labels cover some samples in both pictures; nearly all the rest are tinted.
    expect(tinted / inZone).toBeGreaterThan(0.8);
    expect(untouched / outside).toBeGreaterThan(0.9);
    // The line west_path at x = 0.13: its colour on the picture, absent from the reference.
    const magenta = [...LINE_COLOUR].reverse();
    const onLine = [0.5, 0.6, 0.7].filter((y) => drawn.px(0.13, y).every((v, k) => Math.abs(v - magenta[k]!) <= 40));
    expect(onLine.length).toBe(3);
  });

  it('refuses --at past the end of the clip, --at on a live camera and an unknown camera', async () => {
    const doc = parseDocument(readFileSync(EXAMPLE, 'utf8'));
    doc.setIn(['cameras', 0, 'source'], pathToFileURL(makePatternClip(join(dir, 'short.mp4'), { frames: 20 })).href);
    const short = join(dir, 'short.yaml');
    writeFileSync(short, String(doc));
    const late = await runCli(['camera', 'preview', 'street-1', '--config', short, '--at', '5', '--out', join(dir, 'late.jpg')]);
    expect(late.code).toBe(4);
    expect(late.stderr).toContain('the video ends at 1.9 s, before --at 5 s');
    expect(late.stderr).not.toMatch(/\n\s+at /);
    doc.setIn(['cameras', 0, 'source'], 'rtsp://127.0.0.1:9/h264');
    const live = join(dir, 'live.yaml');
    writeFileSync(live, String(doc));
    const r = await runCli(['camera', 'preview', 'street-1', '--config', live, '--at', '3']);
    expect(r.code).toBe(64);
    expect(r.stderr).toContain('--at works on file sources');
    const unknown = await runCli(['camera', 'preview', 'nope', '--config', EXAMPLE]);
    expect(unknown.code).toBe(64);
    expect(unknown.stderr).toContain('no camera "nope"');
  });

  it('a live RTSP camera: its current frame', async () => {
    const rtsp = await startRtspServer(STREET);
    try {
      const doc = parseDocument(readFileSync(EXAMPLE, 'utf8'));
      doc.setIn(['cameras', 0, 'source'], rtsp.url('h264'));
      const live = join(dir, 'rtsp.yaml');
      writeFileSync(live, String(doc));
      const out = join(dir, 'rtsp.jpg');
      const r = await runCli(['camera', 'preview', 'street-1', '--config', live, '--out', out]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('768x576');
      const pic = decode(out);
      expect([pic.width, pic.height]).toEqual([768, 576]);
    } finally {
      await rtsp.stop();
    }
  });

  it('camera test writes the same kind of picture: zones and lines drawn on the detected frame', async () => {
    const out = join(dir, 'test.jpg');
    const r = await runCli(['camera', 'test', 'street-1', '--config', EXAMPLE, '--seconds', '2', '--snapshot', out]);
    expect(r.code, r.stderr).toBe(0);
    const pic = decode(out);
    // The detector-sized frame (416×312) is enlarged to at least 640 wide.
    expect([pic.width, pic.height]).toEqual([832, 624]);
    const magenta = [...LINE_COLOUR].reverse();
    const onLine = [0.5, 0.6, 0.7].filter((y) => pic.px(0.13, y).every((v, k) => Math.abs(v - magenta[k]!) <= 40));
    expect(onLine.length).toBe(3);
  });
});
