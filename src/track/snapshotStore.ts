import { mkdirSync, readdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../log/logger.js';
import type { Box, Frame } from '../types.js';
import { encodeSnapshot as encode } from './snapshotEncode.js';
import { encodeInWorker, trackSnapshot } from './snapshotWorkerClient.js';

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
 * not stop detection, so failures are logged and counted. The daemon uses saveLater (encoded on a
 * worker thread); save() encodes on the calling thread, for one-off pictures and tests.
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

  /**
   * Like save(), but the JPEG is encoded on the snapshot worker thread and written afterwards: the
   * path is returned at once (the alert that names it can be committed now) and the file appears
   * shortly after. A failure is counted and logged; the alert still stands without its picture.
   */
  saveLater(frame: Frame, box: Box | undefined, name: string): string {
    const path = join(this.o.dir, `${name}.jpg`);
    const task = encodeInWorker(frame, box, this.o.maxWidth, this.o.quality)
      .then(async (bytes) => {
        if (bytes.length > this.o.maxBytes) throw new Error(`a snapshot of ${bytes.length} bytes exceeds the cap`);
        const files = this.load();
        await writeFile(path, bytes, { mode: 0o640 });
        files.push({ path, size: bytes.length });
        this.totalBytes += bytes.length;
        this.counts.written++;
        this.evict();
      })
      .catch((err: unknown) => {
        this.counts.failed++;
        this.log.warn({ err, dir: this.o.dir }, 'snapshot not written');
      });
    trackSnapshot(task);
    return path;
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
