import jpeg from 'jpeg-js';
import type { Box, Frame } from '../types.js';

// Pure: runs on the main thread (one-off pictures) and in the snapshot worker (alerts).

const OUTLINE = [255, 32, 32];

/** BGR frame → RGBA (nearest-neighbour downscale) with 2-pixel outlines of normalised boxes → JPEG bytes. */
export function encodeSnapshot(frame: Frame, boxes: Box | Box[] | undefined, maxWidth: number, quality: number): Buffer {
  const scale = Math.min(1, maxWidth / frame.width);
  const w = Math.max(1, Math.round(frame.width * scale));
  const h = Math.max(1, Math.round(frame.height * scale));
  if (frame.data.length < frame.width * frame.height * 3) throw new Error('frame data shorter than width*height*3');
  const rgba = Buffer.alloc(w * h * 4);
  for (let y = 0; y < h; y++) {
    const sy = Math.min(frame.height - 1, Math.floor(y / scale));
    for (let x = 0; x < w; x++) {
      const s = (sy * frame.width + Math.min(frame.width - 1, Math.floor(x / scale))) * 3;
      const d = (y * w + x) * 4;
      rgba[d] = frame.data[s + 2]!;
      rgba[d + 1] = frame.data[s + 1]!;
      rgba[d + 2] = frame.data[s]!;
      rgba[d + 3] = 255;
    }
  }
  for (const box of boxes === undefined ? [] : Array.isArray(boxes) ? boxes : [boxes]) outline(rgba, w, h, box);
  return jpeg.encode({ data: rgba, width: w, height: h }, quality).data;
}

function outline(rgba: Buffer, w: number, h: number, box: Box): void {
  const clampX = (v: number) => Math.max(0, Math.min(w - 1, Math.round(v * w)));
  const clampY = (v: number) => Math.max(0, Math.min(h - 1, Math.round(v * h)));
  const [x1, x2, y1, y2] = [clampX(box.x1), clampX(box.x2), clampY(box.y1), clampY(box.y2)];
  const paint = (x: number, y: number) => {
    if (x < 0 || y < 0 || x >= w || y >= h) return;
    const d = (y * w + x) * 4;
    [rgba[d], rgba[d + 1], rgba[d + 2]] = OUTLINE as [number, number, number];
  };
  for (let t = 0; t < 2; t++) {
    for (let x = x1; x <= x2; x++) (paint(x, y1 + t), paint(x, y2 - t));
    for (let y = y1; y <= y2; y++) (paint(x1 + t, y), paint(x2 - t, y));
  }
}
