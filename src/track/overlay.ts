import { GLYPH_HEIGHT, GLYPH_WIDTH, glyph } from './font5x7.js';

// Draws a camera's configuration onto one of its pictures: zones (tinted, outlined), lines with an
// arrow showing the allowed crossing direction, motion masks (darkened) and detections (boxes with
// label and score). Pure: it writes into the BGR buffer it is given and nothing else, so it is
// tested pixel by pixel. Positions come in normalised picture coordinates (0..1), as in the config.

/** A packed BGR picture (`width*height*3` bytes, no row padding), drawn into in place. */
export interface Canvas {
  data: Buffer;
  width: number;
  height: number;
}

/** Colour as [blue, green, red]. */
export type Bgr = readonly [number, number, number];
export type NormPoint = readonly [number, number];

export interface SceneZone {
  name: string;
  polygon: readonly NormPoint[];
}

export interface SceneLine {
  name: string;
  a: NormPoint;
  b: NormPoint;
  /** As in the config: left and right as seen standing at a looking towards b. */
  direction: 'left_to_right' | 'right_to_left' | 'both';
}

export interface SceneDetection {
  label: string;
  score: number;
  /** Normalised box (0..1 of the picture). */
  box: { x1: number; y1: number; x2: number; y2: number };
}

export interface Scene {
  zones: readonly SceneZone[];
  lines: readonly SceneLine[];
  masks: readonly (readonly NormPoint[])[];
  detections: readonly SceneDetection[];
}

/** Zone colours in turn (BGR): green, cyan, yellow, blue, orange. */
export const ZONE_COLOURS: readonly Bgr[] = [[60, 220, 60], [230, 220, 40], [40, 220, 240], [240, 120, 40], [30, 140, 255]];
export const LINE_COLOUR: Bgr = [255, 60, 255];
export const DETECTION_COLOUR: Bgr = [40, 40, 255];
export const MASK_COLOUR: Bgr = [0, 0, 0];
const WHITE: Bgr = [255, 255, 255];
/** Share of the zone colour mixed into the picture inside a zone. */
export const ZONE_TINT = 0.3;
export const MASK_SHADE = 0.55;

/** Draws the whole scene: masks, then zones, lines, detections, so labels stay on top. */
export function drawScene(c: Canvas, scene: Scene): void {
  const thick = Math.max(2, Math.round(Math.min(c.width, c.height) / 240));
  const textScale = Math.max(1, Math.round(c.width / 480));
  const px = (p: NormPoint): [number, number] => [p[0] * (c.width - 1), p[1] * (c.height - 1)];
  for (const mask of scene.masks) {
    fillPolygon(c, mask.map(px), MASK_COLOUR, MASK_SHADE);
    strokePolygon(c, mask.map(px), [90, 90, 90], 1);
  }
  scene.zones.forEach((z, i) => {
    const colour = ZONE_COLOURS[i % ZONE_COLOURS.length]!;
    const pts = z.polygon.map(px);
    fillPolygon(c, pts, colour, ZONE_TINT);
    strokePolygon(c, pts, colour, thick);
    const [lx, ly] = topLeftOf(pts);
    drawLabel(c, lx + thick, ly + thick, z.name, [0, 0, 0], colour, textScale);
  });
  for (const line of scene.lines) drawLine(c, px(line.a), px(line.b), line, thick, textScale);
  for (const d of scene.detections) {
    const [x1, y1] = px([d.box.x1, d.box.y1]);
    const [x2, y2] = px([d.box.x2, d.box.y2]);
    drawRect(c, x1, y1, x2, y2, DETECTION_COLOUR, thick);
    const text = `${d.label} ${d.score.toFixed(2)}`;
    const h = GLYPH_HEIGHT * textScale + 2;
    drawLabel(c, x1, y1 - h >= 0 ? y1 - h : y1 + thick, text, WHITE, DETECTION_COLOUR, textScale);
  }
}

function drawLine(c: Canvas, a: [number, number], b: [number, number], line: SceneLine, thick: number, textScale: number): void {
  drawSegment(c, a[0], a[1], b[0], b[1], LINE_COLOUR, thick);
  const len = Math.hypot(b[0] - a[0], b[1] - a[1]) || 1;
  // Right-hand normal in y-down pixels: the side sideOf() calls positive (src/track/geometry.ts).
  const nx = -(b[1] - a[1]) / len;
  const ny = (b[0] - a[0]) / len;
  const arrow = Math.max(16, Math.min(c.width, c.height) * 0.08);
  const mx = (a[0] + b[0]) / 2;
  const my = (a[1] + b[1]) / 2;
  // The allowed direction: from the left side to the right side for left_to_right.
  const sign = line.direction === 'right_to_left' ? -1 : 1;
  const from: [number, number] = [mx - sign * nx * arrow, my - sign * ny * arrow];
  const to: [number, number] = [mx + sign * nx * arrow, my + sign * ny * arrow];
  drawArrow(c, from[0], from[1], to[0], to[1], LINE_COLOUR, thick);
  if (line.direction === 'both') drawArrow(c, to[0], to[1], from[0], from[1], LINE_COLOUR, thick);
  drawLabel(c, a[0] + thick * 2, a[1], `${line.name} (A)`, [0, 0, 0], LINE_COLOUR, textScale);
  drawLabel(c, b[0] + thick * 2, b[1] - GLYPH_HEIGHT * textScale, 'B', [0, 0, 0], LINE_COLOUR, textScale);
}

/** Sets one pixel (ignored outside the picture). */
export function setPixel(c: Canvas, x: number, y: number, colour: Bgr): void {
  const xi = Math.round(x);
  const yi = Math.round(y);
  if (xi < 0 || yi < 0 || xi >= c.width || yi >= c.height) return;
  const i = (yi * c.width + xi) * 3;
  c.data[i] = colour[0];
  c.data[i + 1] = colour[1];
  c.data[i + 2] = colour[2];
}

/** Mixes `colour` into the pixel with weight `alpha` (0..1). */
function blendPixel(c: Canvas, x: number, y: number, colour: Bgr, alpha: number): void {
  const i = (y * c.width + x) * 3;
  for (let k = 0; k < 3; k++) c.data[i + k] = Math.round(c.data[i + k]! * (1 - alpha) + colour[k]! * alpha);
}

/** A square brush of side `thick` centred on (x, y). */
function dab(c: Canvas, x: number, y: number, colour: Bgr, thick: number): void {
  const r0 = -Math.floor((thick - 1) / 2);
  for (let dy = r0; dy < r0 + thick; dy++) for (let dx = r0; dx < r0 + thick; dx++) setPixel(c, x + dx, y + dy, colour);
}

/** A straight segment `thick` pixels wide (Bresenham steps, a square brush at each). */
export function drawSegment(c: Canvas, x0: number, y0: number, x1: number, y1: number, colour: Bgr, thick = 1): void {
  const steps = Math.max(1, Math.ceil(Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0))));
  for (let s = 0; s <= steps; s++) {
    const t = s / steps;
    dab(c, x0 + (x1 - x0) * t, y0 + (y1 - y0) * t, colour, thick);
  }
}

/** A segment ending in an arrowhead at (x1, y1). */
export function drawArrow(c: Canvas, x0: number, y0: number, x1: number, y1: number, colour: Bgr, thick = 1): void {
  drawSegment(c, x0, y0, x1, y1, colour, thick);
  const len = Math.hypot(x1 - x0, y1 - y0) || 1;
  const ux = (x1 - x0) / len;
  const uy = (y1 - y0) / len;
  const head = Math.max(6, len * 0.35);
  // A filled triangle: the tip and two corners set back along the shaft.
  const corners: [number, number][] = [
    [x1, y1],
    [x1 - ux * head - uy * head * 0.5, y1 - uy * head + ux * head * 0.5],
    [x1 - ux * head + uy * head * 0.5, y1 - uy * head - ux * head * 0.5],
  ];
  fillPolygon(c, corners, colour, 1);
}

/** An axis-aligned rectangle outline in pixel coordinates. */
export function drawRect(c: Canvas, x1: number, y1: number, x2: number, y2: number, colour: Bgr, thick = 1): void {
  strokePolygon(c, [[x1, y1], [x2, y1], [x2, y2], [x1, y2]], colour, thick);
}

/** The closed outline of a polygon in pixel coordinates. */
export function strokePolygon(c: Canvas, pts: readonly (readonly [number, number])[], colour: Bgr, thick = 1): void {
  for (let i = 0; i < pts.length; i++) {
    const p = pts[i]!;
    const q = pts[(i + 1) % pts.length]!;
    drawSegment(c, p[0], p[1], q[0], q[1], colour, thick);
  }
}

/** Fills a polygon (even-odd rule, pixel centres) mixing in `colour` with weight `alpha`. */
export function fillPolygon(c: Canvas, pts: readonly (readonly [number, number])[], colour: Bgr, alpha: number): void {
  if (pts.length < 3) return;
  const ys = pts.map((p) => p[1]);
  const yStart = Math.max(0, Math.ceil(Math.min(...ys) - 0.5));
  const yEnd = Math.min(c.height - 1, Math.floor(Math.max(...ys) - 0.5));
  const xs: number[] = [];
  for (let y = yStart; y <= yEnd; y++) {
    const cy = y + 0.5;
    xs.length = 0;
    for (let i = 0, j = pts.length - 1; i < pts.length; j = i++) {
      const [xi, yi] = pts[i]!;
      const [xj, yj] = pts[j]!;
      if (yi > cy !== yj > cy) xs.push(xi + ((cy - yi) * (xj - xi)) / (yj - yi));
    }
    xs.sort((p, q) => p - q);
    for (let k = 0; k + 1 < xs.length; k += 2) {
      const from = Math.max(0, Math.ceil(xs[k]! - 0.5));
      const to = Math.min(c.width - 1, Math.floor(xs[k + 1]! - 0.5));
      for (let x = from; x <= to; x++) blendPixel(c, x, y, colour, alpha);
    }
  }
}

/** Text on a filled background box with its top-left at (x, y); returns the box width in pixels. */
export function drawLabel(c: Canvas, x: number, y: number, text: string, fg: Bgr, bg: Bgr, scale = 1): number {
  const pad = scale;
  const w = text.length * (GLYPH_WIDTH + 1) * scale + pad;
  const h = GLYPH_HEIGHT * scale + 2 * pad;
  // Keep the label inside the picture so a name at the right or bottom edge stays readable.
  const x0 = Math.round(Math.max(0, Math.min(x, c.width - w)));
  const y0 = Math.round(Math.max(0, Math.min(y, c.height - h)));
  for (let yy = 0; yy < h; yy++) for (let xx = 0; xx < w; xx++) setPixel(c, x0 + xx, y0 + yy, bg);
  [...text].forEach((ch, n) => {
    const g = glyph(ch);
    for (let gy = 0; gy < GLYPH_HEIGHT; gy++) {
      for (let gx = 0; gx < GLYPH_WIDTH; gx++) {
        if (!g[gy * GLYPH_WIDTH + gx]) continue;
        for (let sy = 0; sy < scale; sy++) {
          for (let sx = 0; sx < scale; sx++) setPixel(c, x0 + pad + (n * (GLYPH_WIDTH + 1) + gx) * scale + sx, y0 + pad + gy * scale + sy, fg);
        }
      }
    }
  });
  return w;
}

function topLeftOf(pts: readonly (readonly [number, number])[]): [number, number] {
  return [Math.min(...pts.map((p) => p[0])), Math.min(...pts.map((p) => p[1]))];
}

/** Bilinear resize of a BGR picture (one-off pictures, not the frame path). */
export function resizeBgr(src: Canvas, width: number, height: number): Canvas {
  const out = Buffer.alloc(width * height * 3);
  const sx = src.width / width;
  const sy = src.height / height;
  for (let y = 0; y < height; y++) {
    const fy = Math.min(src.height - 1, Math.max(0, (y + 0.5) * sy - 0.5));
    const y0 = Math.floor(fy);
    const y1 = Math.min(src.height - 1, y0 + 1);
    const wy = fy - y0;
    for (let x = 0; x < width; x++) {
      const fx = Math.min(src.width - 1, Math.max(0, (x + 0.5) * sx - 0.5));
      const x0 = Math.floor(fx);
      const x1 = Math.min(src.width - 1, x0 + 1);
      const wx = fx - x0;
      for (let k = 0; k < 3; k++) {
        const p = (yy: number, xx: number) => src.data[(yy * src.width + xx) * 3 + k]!;
        const top = p(y0, x0) * (1 - wx) + p(y0, x1) * wx;
        const bottom = p(y1, x0) * (1 - wx) + p(y1, x1) * wx;
        out[(y * width + x) * 3 + k] = Math.round(top * (1 - wy) + bottom * wy);
      }
    }
  }
  return { data: out, width, height };
}
