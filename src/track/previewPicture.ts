import jpeg from 'jpeg-js';
import type { CameraConfig } from '../config/cameraSchema.js';
import type { Detection, Frame } from '../types.js';
import { drawScene, resizeBgr, type Canvas, type Scene } from './overlay.js';

// The technician's picture of a camera: its frame with every zone, line (and allowed direction),
// motion mask and detection drawn on, as a JPEG. `camera preview` and `camera test` write it.

/** Pictures narrower than this (a detector-sized frame) are enlarged by a whole factor, so labels stay legible. */
const MIN_WIDTH = 640;

/** What the camera's config and one frame's detections put on the picture. */
export function sceneOf(cam: CameraConfig, detections: readonly Detection[], sourceWidth: number, sourceHeight: number): Scene {
  const ev = cam.events;
  return {
    zones: ev.zones.map((z) => ({ name: z.name, polygon: z.polygon })),
    lines: ev.lines.map((l) => ({ name: l.name, a: l.a, b: l.b, direction: l.direction })),
    masks: ev.motion.masks,
    detections: detections.map((d) => ({
      label: d.label,
      score: d.score,
      box: { x1: d.box.x1 / sourceWidth, y1: d.box.y1 / sourceHeight, x2: d.box.x2 / sourceWidth, y2: d.box.y2 / sourceHeight },
    })),
  };
}

/** Draws the scene on a copy of the frame (enlarged when small) and encodes it. The frame is only read. */
export function renderPreview(frame: Pick<Frame, 'data' | 'width' | 'height'>, scene: Scene, quality = 90): { jpeg: Buffer; width: number; height: number } {
  const factor = Math.max(1, Math.ceil(MIN_WIDTH / frame.width));
  const canvas: Canvas =
    factor === 1
      ? { data: Buffer.from(frame.data.subarray(0, frame.width * frame.height * 3)), width: frame.width, height: frame.height }
      : resizeBgr(frame, frame.width * factor, frame.height * factor);
  drawScene(canvas, scene);
  const rgba = Buffer.alloc(canvas.width * canvas.height * 4);
  for (let s = 0, d = 0; s < canvas.width * canvas.height * 3; s += 3, d += 4) {
    rgba[d] = canvas.data[s + 2]!;
    rgba[d + 1] = canvas.data[s + 1]!;
    rgba[d + 2] = canvas.data[s]!;
    rgba[d + 3] = 255;
  }
  return { jpeg: jpeg.encode({ data: rgba, width: canvas.width, height: canvas.height }, quality).data, width: canvas.width, height: canvas.height };
}
