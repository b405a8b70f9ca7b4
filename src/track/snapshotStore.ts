import { mkdirSync, readdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import type { Logger } from '../log/logger.js';
import type { Box, Frame } from '../types.js';

export interface SnapshotStoreOptions {
  /** Folder for this camera's snapshots; created on the first write. One store per folder. */
  dir: string;
  /** Total size cap of the folder's .jpg files in bytes; the oldest go first. */
  maxBytes: number;
  /** Snapshots wider than this are downscaled, pixels. */
  maxWidth: number;
  /** JPEG quality, 10..100. */
  quality: number;
}

/**
 * Keeps JPEGs of the frames that raised alerts, under a size cap. Never throws: a disk problem must
 * not stop detection, so failures are logged and counted. Writes are synchronous, which is fine for
 * a few alerts a minute and keeps the frame buffer valid for the whole encode.
 */
export class SnapshotStore {
  /** Snapshots written, failed and deleted to stay under the cap, since construction. */
  readonly counts = { written: 0, failed: 0, evicted: 0 };
  private files: { path: string; size: number }[] | undefined;
  private totalBytes = 0;

  constructor(
    private readonly o: SnapshotStoreOptions,
    private readonly log: Logger,
  ) {}

  /**
   * Encodes `frame.data` (BGR) with `box` (normalised, optional) outlined and stores it as
   * `<name>.jpg`. Returns the path, or undefined if nothing was kept. Reads the frame during the call only.
   */
  save(frame: Frame, box: Box | undefined, name: string): string | undefined {
    try {
      const files = this.load();
      const bytes = encode(frame, box, this.o.maxWidth, this.o.quality);
      if (bytes.length > this.o.maxBytes) throw new Error(`a snapshot of ${bytes.length} bytes exceeds the cap`);
      const path = join(this.o.dir, `${name}.jpg`);
      writeFileSync(path, bytes, { mode: 0o640 });
      files.push({ path, size: bytes.length });
      this.totalBytes += bytes.length;
      this.counts.written++;
      this.evict();
      return path;
    } catch (err) {
      this.counts.failed++;
      this.log.warn({ err, dir: this.o.dir }, 'snapshot not written');
      return undefined;
    }
  }

  /** Learns what an earlier run left in the folder, so the cap holds across restarts. */
  private load(): { path: string; size: number }[] {
    if (this.files) return this.files;
    // Pictures of people and plates: readable by the service's group at most.
    mkdirSync(this.o.dir, { recursive: true, mode: 0o750 });
    // Names start with a uuid v7, so name order is time order.
    const names = readdirSync(this.o.dir).filter((n) => n.endsWith('.jpg')).sort();
    this.files = names.map((n) => {
      const path = join(this.o.dir, n);
      return { path, size: statSync(path).size };
    });
    this.totalBytes = this.files.reduce((s, f) => s + f.size, 0);
    return this.files;
  }

  private evict(): void {
    const files = this.files!;
    while (this.totalBytes > this.o.maxBytes && files.length > 1) {
      const old = files.shift()!;
      this.totalBytes -= old.size;
      try {
        unlinkSync(old.path);
        this.counts.evicted++;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.log.warn({ err, path: old.path }, 'snapshot not deleted');
      }
    }
  }
}

const OUTLINE = [255, 32, 32];

/** BGR frame → RGBA (nearest-neighbour downscale) with 2-pixel outlines of normalised boxes → JPEG bytes. */
export function encode(frame: Frame, boxes: Box | Box[] | undefined, maxWidth: number, quality: number): Buffer {
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
