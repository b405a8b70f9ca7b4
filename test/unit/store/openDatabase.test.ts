import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/log/logger.js';
import { openDatabase } from '../../../src/store/openDatabase.js';
import { StoreError } from '../../../src/store/storeErrors.js';
import { tempDir } from '../../helpers/media.js';

const log = createLogger('silent');
const OPTS = { synchronous: 'full' as const, maxDbBytes: 10e6 };
const mode = (p: string) => statSync(p).mode & 0o777;

describe('openDatabase', () => {
  it('creates the folder 0750 and the database and its WAL 0640, whatever the umask', () => {
    const old = process.umask(0);
    try {
      const dir = join(tempDir(), 'state', 'deep');
      const path = join(dir, 'outbox.db');
      const { db } = openDatabase(path, OPTS, log);
      db.prepare('CREATE TABLE IF NOT EXISTS t (x)').run();
      db.prepare('INSERT INTO t VALUES (1)').run();
      expect(mode(dir)).toBe(0o750);
      expect(mode(join(dir, '..'))).toBe(0o750);
      expect(mode(path)).toBe(0o640);
      expect(existsSync(`${path}-wal`)).toBe(true);
      expect(mode(`${path}-wal`)).toBe(0o640);
      expect(mode(`${path}-shm`)).toBe(0o640);
      db.close();
    } finally {
      process.umask(old);
    }
  });

  it('a folder that cannot be created is a StoreError naming the path and the fix, not a raw mkdir error', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'file'), '');
    const path = join(dir, 'file', 'outbox.db');
    let err: unknown;
    try {
      openDatabase(path, OPTS, log);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StoreError);
    expect((err as Error).message).toContain(`cannot open the outbox ${path}`);
    expect((err as Error).message).toContain('part of that path is a file, not a folder: fix outbox.path');
  });
});
