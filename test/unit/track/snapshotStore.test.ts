import { statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/log/logger.js';
import { SnapshotStore } from '../../../src/track/snapshotStore.js';
import type { Frame } from '../../../src/types.js';
import { tempDir } from '../../helpers/media.js';

const mode = (p: string) => statSync(p).mode & 0o777;

describe('SnapshotStore file modes', () => {
  it('pictures of people and plates: folders 0750 and files 0640 even with a permissive umask', () => {
    const old = process.umask(0);
    try {
      const dir = join(tempDir(), 'snapshots', 'street-1');
      const store = new SnapshotStore({ dir, maxBytes: 1e6, maxWidth: 64, quality: 80 }, createLogger('silent'));
      const frame: Frame = {
        cameraId: 'street-1', seq: 0, ts: 0, ptsMs: 0, sourceWidth: 32, sourceHeight: 24,
        data: Buffer.alloc(32 * 24 * 3, 128), width: 32, height: 24,
      };
      const path = store.save(frame, { x1: 0.1, y1: 0.1, x2: 0.5, y2: 0.5 }, 'a1');
      expect(path).toBe(join(dir, 'a1.jpg'));
      expect(mode(path!)).toBe(0o640);
      expect(mode(dir)).toBe(0o750);
      expect(mode(dirname(dir))).toBe(0o750);
    } finally {
      process.umask(old);
    }
  });
});
