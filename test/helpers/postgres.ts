import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureTestUser, isRoot, TEST_USER } from './asUser.js';
import { freePort } from './ports.js';

// A real PostgreSQL per test file: Debian's server binaries, a cluster made with initdb in a temp
// folder, run on a free loopback port as the unprivileged test user (PostgreSQL refuses root).

const BIN = '/usr/lib/postgresql/15/bin';

/** True when the server binaries are installed and this process may switch users. */
export const postgresAvailable = isRoot && existsSync(join(BIN, 'initdb'));

export interface Postgres {
  /** postgres://<user>@127.0.0.1:<port>/postgres */
  url: string;
  /** A fresh, empty database; returns its URL. */
  createDatabase(name: string): string;
  /** The server's (postmaster's) process id; its backends are its children. */
  pid(): number | undefined;
  dispose(): void;
}

export async function startPostgres(): Promise<Postgres> {
  ensureTestUser();
  const dir = mkdtempSync(join(tmpdir(), 'pg-'));
  chmodSync(dir, 0o755);
  const data = join(dir, 'data');
  const { uid, gid } = ensureTestUser();
  chownSync(dir, uid, gid);
  const as = (cmd: string, args: string[]) => execFileSync('runuser', ['-u', TEST_USER, '--', join(BIN, cmd), ...args], { stdio: 'pipe', cwd: dir });
  as('initdb', ['-D', data, '-U', TEST_USER, '--auth=trust', '--no-sync', '-E', 'UTF8']);
  const port = await freePort();
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
  as('pg_ctl', ['-D', data, '-o', opts, '-l', join(dir, 'log'), '-w', '-t', '60', 'start']);
  const base = `postgres://${TEST_USER}@127.0.0.1:${port}`;
  return {
    url: `${base}/postgres`,
    createDatabase(name) {
      execFileSync('runuser', ['-u', TEST_USER, '--', '/usr/bin/psql', '-h', '127.0.0.1', '-p', String(port), '-d', 'postgres', '-qc', `CREATE DATABASE "${name}"`], { stdio: 'pipe', cwd: dir });
      return `${base}/${name}`;
    },
    pid() {
      try {
        return Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
      } catch {
        return undefined;
      }
    },
    dispose() {
      try {
        as('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
