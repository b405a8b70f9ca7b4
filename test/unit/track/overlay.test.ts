import { describe, expect, it } from 'vitest';
import { GLYPH_HEIGHT, GLYPH_WIDTH, glyph } from '../../../src/track/font5x7.js';
import {
  DETECTION_COLOUR, drawArrow, drawLabel, drawScene, drawSegment, fillPolygon, LINE_COLOUR, MASK_SHADE, resizeBgr,
  ZONE_COLOURS, ZONE_TINT, type Bgr, type Canvas, type Scene,
} from '../../../src/track/overlay.js';

const GREY = 100;

function canvas(width = 200, height = 200, value = GREY): Canvas {
  return { data: Buffer.alloc(width * height * 3, value), width, height };
}

function at(c: Canvas, x: number, y: number): [number, number, number] {
  const i = (Math.round(y) * c.width + Math.round(x)) * 3;
  return [c.data[i]!, c.data[i + 1]!, c.data[i + 2]!];
}

const blend = (colour: Bgr, alpha: number, base = GREY) => colour.map((v) => Math.round(base * (1 - alpha) + v * alpha));
const EMPTY: Scene = { zones: [], lines: [], masks: [], detections: [] };

describe('overlay primitives', () => {
  it('pixels inside a drawn segment have its colour, pixels beside it are untouched', () => {
    const c = canvas();
    drawSegment(c, 20, 50, 180, 50, [0, 0, 255], 3);
    for (const x of [20, 60, 100, 179]) for (const y of [49, 50, 51]) expect(at(c, x, y)).toEqual([0, 0, 255]);
    for (const y of [46, 54]) expect(at(c, 100, y)).toEqual([GREY, GREY, GREY]);
    expect(at(c, 185, 50)).toEqual([GREY, GREY, GREY]);
  });

  it('fills exactly the pixels whose centres are inside a polygon', () => {
    const c = canvas();
    fillPolygon(c, [[10, 10], [20, 10], [20, 20], [10, 20]], [255, 0, 0], 1);
    let filled = 0;
    for (let i = 0; i < c.data.length; i += 3) if (c.data[i] === 255) filled++;
    expect(filled).toBe(100);
    expect(at(c, 10, 10)).toEqual([255, 0, 0]);
    expect(at(c, 19, 19)).toEqual([255, 0, 0]);
    expect(at(c, 20, 20)).toEqual([GREY, GREY, GREY]);
  });

  it('an arrowhead is drawn at the end it points to, not at its tail', () => {
    const c = canvas();
    drawArrow(c, 40, 100, 160, 100, [0, 255, 0], 1);
    // Off the shaft, inside the head near (160, 100); the same offset near the tail stays clear.
    expect(at(c, 150, 104)).toEqual([0, 255, 0]);
    expect(at(c, 50, 104)).toEqual([GREY, GREY, GREY]);
  });

  it('draws glyphs of the 5×7 font, lower case as upper case', () => {
    const c = canvas(40, 20, 0);
    const w = drawLabel(c, 0, 0, 'a', [255, 255, 255], [0, 0, 0], 1);
    expect(w).toBe(GLYPH_WIDTH + 2);
    const a = glyph('A');
    for (let gy = 0; gy < GLYPH_HEIGHT; gy++) {
      for (let gx = 0; gx < GLYPH_WIDTH; gx++) expect(at(c, 1 + gx, 1 + gy)[0]).toBe(a[gy * GLYPH_WIDTH + gx] ? 255 : 0);
    }
    expect(glyph('~')).toEqual(glyph('?'));
  });

  it('resizes a picture bilinearly', () => {
    const src = canvas(2, 1, 0);
    src.data.set([0, 0, 0, 200, 200, 200]);
    const out = resizeBgr(src, 4, 1);
    expect([...out.data].filter((_, i) => i % 3 === 0)).toEqual([0, 50, 150, 200]);
  });
});

describe('drawScene', () => {
  it('tints the inside of a zone with its colour and outlines it', () => {
    const c = canvas();
    drawScene(c, { ...EMPTY, zones: [{ name: 'z', polygon: [[0.25, 0.25], [0.75, 0.25], [0.75, 0.75], [0.25, 0.75]] }] });
    expect(at(c, 120, 120)).toEqual(blend(ZONE_COLOURS[0]!, ZONE_TINT));
    expect(at(c, 0.75 * 199, 120)).toEqual([...ZONE_COLOURS[0]!]);
    expect(at(c, 190, 190)).toEqual([GREY, GREY, GREY]);
  });

  it('darkens a motion mask', () => {
    const c = canvas();
    drawScene(c, { ...EMPTY, masks: [[[0, 0], [0.5, 0], [0.5, 0.5], [0, 0.5]]] });
    expect(at(c, 40, 40)).toEqual(blend([0, 0, 0], MASK_SHADE));
    expect(at(c, 150, 150)).toEqual([GREY, GREY, GREY]);
  });

  it('points the arrow of a line to the side its direction allows', () => {
    // a at the top, b at the bottom: standing at a looking towards b, the left side is the picture's
    // right (east). left_to_right therefore points west, right_to_left east.
    const line = { name: 'l', a: [0.5, 0.1] as const, b: [0.5, 0.9] as const };
    const headSide = (direction: 'left_to_right' | 'right_to_left') => {
      const c = canvas();
      drawScene(c, { ...EMPTY, lines: [{ ...line, direction }] });
      // Centre (99.5, 99.5), arrow tips 16 px either side, heads 11 px long: probe 9 px back from
      // each tip and 3 px below the 2-pixel shaft, inside a head only if the head is there.
      const west = at(c, 92, 102);
      const east = at(c, 106, 102);
      return { west: west.join() === LINE_COLOUR.join(), east: east.join() === LINE_COLOUR.join() };
    };
    expect(headSide('left_to_right')).toEqual({ west: true, east: false });
    expect(headSide('right_to_left')).toEqual({ west: false, east: true });
  });

  it('boxes a detection and writes its label and score above it', () => {
    const c = canvas();
    drawScene(c, { ...EMPTY, detections: [{ label: 'person', score: 0.87, box: { x1: 0.3, y1: 0.4, x2: 0.6, y2: 0.9 } }] });
    expect(at(c, 0.45 * 199, 0.4 * 199)).toEqual([...DETECTION_COLOUR]);
    expect(at(c, 0.3 * 199, 0.6 * 199)).toEqual([...DETECTION_COLOUR]);
    expect(at(c, 0.45 * 199, 0.6 * 199)).toEqual([GREY, GREY, GREY]);
    // The label: white text on the detection colour just above the box.
    let white = 0;
    for (let y = Math.round(0.4 * 199) - 9; y < Math.round(0.4 * 199); y++) {
      for (let x = 60; x < 140; x++) if (at(c, x, y).join() === '255,255,255') white++;
    }
    expect(white).toBeGreaterThan(40);
  });
});
