import { accessSync, closeSync, constants, existsSync, mkdirSync, openSync, renameSync, statSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname } from 'node:path';
import BetterSqlite3, { type Database } from 'better-sqlite3';

// Other store modules take the types from here, so that better-sqlite3 stays behind this one module.
export type { Database, Statement } from 'better-sqlite3';
import type { Logger } from '../log/logger.js';
import { migrate } from './migrations.js';
import { StoreError } from './storeErrors.js';

// The one place that imports better-sqlite3. Opening never crash-loops on a damaged file: a file
// SQLite cannot read is renamed aside (kept for a person to inspect) and a fresh outbox is created.
// Alerts describe people and plates: the folder is created 0750 and the file 0640 (SQLite gives its
// WAL and shared-memory files the mode of the database file), whatever the umask.

/** Modes of the outbox folder and database file when this module creates them. */
export const STATE_DIR_MODE = 0o750;
export const STATE_FILE_MODE = 0o640;

export interface OpenOptions {
  /** See OutboxConfig.synchronous. WAL + FULL: a commit is on disk before emit() returns. */
  synchronous: 'full' | 'normal';
  /** Hard cap on the main database file, bytes; SQLite reports SQLITE_FULL beyond it. */
  maxDbBytes: number;
  /** Clock used to name moved-aside files and to seed the sequence of a replacement database. */
  now?: () => number;
}

export interface OpenedDatabase {
  db: Database;
  /** Where an unreadable file was moved, when that happened during this open. */
  movedAside?: string;
}

const CORRUPT = /^SQLITE_(NOTADB|CORRUPT)/;

export function openDatabase(path: string, opts: OpenOptions, log: Logger): OpenedDatabase {
  const now = opts.now ?? Date.now;
  try {
    prepareFile(path);
    return { db: openChecked(path, opts, 0) };
  } catch (err) {
    if (!isCorrupt(err)) throw new StoreError(cannotOpen(path, err), { cause: err });
    const movedAside = moveAside(path, now());
    log.error(
      { file: path, movedTo: movedAside, err: (err as Error).message },
      'outbox database unreadable: moved aside, starting a fresh one (alerts in it were not sent)',
    );
    // The lost file's sequence numbers are unknown; ms × 1000 is above any count of rows a gateway
    // can have written, so sequence numbers still only grow as seen by the centre.
    try {
      prepareFile(path);
      return { db: openChecked(path, opts, now() * 1000), movedAside };
    } catch (again) {
      throw new StoreError(`cannot create a fresh outbox ${path}: ${(again as Error).message}`, { cause: again });
    }
  }
}

/** Creates the folder (0750) and an empty database file (0640) when missing; SQLite keeps the mode. */
function prepareFile(path: string): void {
  try {
    mkdirSync(dirname(path), { recursive: true, mode: STATE_DIR_MODE });
  } catch (err) {
    // Node's recursive mkdir reports ENOENT when a parent is read-only or not writable; ask the
    // nearest existing parent, whose answer (EROFS, EACCES) tells the technician what to fix.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      let parent = dirname(path);
      while (!existsSync(parent) && dirname(parent) !== parent) parent = dirname(parent);
      accessSync(parent, constants.W_OK | constants.X_OK);
    }
    throw err;
  }
  if (!existsSync(path)) closeSync(openSync(path, 'a', STATE_FILE_MODE));
}

/** Names the file, the reason and the remedy: this message is all a technician sees at start. */
function cannotOpen(path: string, err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  const where = e.path && e.path !== path ? ` (${e.path})` : '';
  const base = `cannot open the outbox ${path}${where}: ${firstLine(e.message ?? String(err))}`;
  if (e.code === 'EACCES' || e.code === 'EPERM' || e.code === 'EROFS' || e.code === 'SQLITE_CANTOPEN' || e.code === 'SQLITE_READONLY') {
    return (
      `${base}; the user this runs as must be able to write that folder: under systemd leave outbox.path relative ` +
      '(it then goes to the state directory, /var/lib/edge-agent), or give this user the folder ' +
      `(mkdir -p ${dirname(path)}; chown ${userInfo().username} ${dirname(path)}; chmod 0750 ${dirname(path)})`
    );
  }
  if (e.code === 'ENOTDIR' || e.code === 'EEXIST') return `${base}; part of that path is a file, not a folder: fix outbox.path`;
  if (e.code === 'ENOSPC' || e.code === 'SQLITE_FULL') return `${base}; the disk is full: free space or lower outbox.max_db_mb`;
  return `${base}; check outbox.path`;
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}

function openChecked(path: string, opts: OpenOptions, seqFloor: number): Database {
  const db = new BetterSqlite3(path, { timeout: 5000 });
  try {
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${opts.synchronous.toUpperCase()}`);
    const check = db.pragma('quick_check(1)', { simple: true });
    if (check !== 'ok') throw Object.assign(new Error(`quick_check: ${String(check)}`), { code: 'SQLITE_CORRUPT' });
    migrate(db, seqFloor);
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    db.pragma(`max_page_count = ${Math.max(16, Math.floor(opts.maxDbBytes / pageSize))}`);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

function isCorrupt(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && CORRUPT.test(code);
}

function moveAside(path: string, ts: number): string {
  const target = `${path}.corrupt-${new Date(ts).toISOString().replace(/[:.]/g, '-')}`;
  for (const suffix of ['', '-wal', '-shm']) {
    if (existsSync(path + suffix)) renameSync(path + suffix, target + suffix);
  }
  return target;
}

/** Size of the database file and its WAL, bytes (0 when missing). */
export function databaseBytes(path: string): number {
  let total = 0;
  for (const suffix of ['', '-wal']) {
    try {
      total += statSync(path + suffix).size;
    } catch {
      // A missing WAL is normal after a clean close.
    }
  }
  return total;
}

/**
 * Opens (creating when missing) a plain SQLite file in WAL mode for another owner's schema (the
 * centre's store): several processes may share it, each waiting up to `busyMs` for the write lock.
 */
export function openSqliteFile(path: string, busyMs = 10_000): Database {
  try {
    prepareFile(path);
    const db = new BetterSqlite3(path, { timeout: busyMs });
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    return db;
  } catch (err) {
    throw new StoreError(`cannot open ${path}: ${firstLine((err as Error).message ?? String(err))}; check the path, its folder's owner and mode, and the free space`, { cause: err }, 'store');
  }
}
