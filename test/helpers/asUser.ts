import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliResult } from './media.js';
import { ROOT } from './media.js';

// Runs the built CLI as an unprivileged system user, as systemd runs the service (User=edge-agent).
// The user is created once on the test machine (no home, no login shell). Needs root.

/** Name of the unprivileged test user; its primary group has the same name. */
export const TEST_USER = 'ea-test';

export const isRoot = process.getuid?.() === 0;

/** Creates the test user (and its group) when absent. */
export function ensureTestUser(): { uid: number; gid: number } {
  try {
    execFileSync('getent', ['passwd', TEST_USER], { stdio: 'ignore' });
  } catch {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', TEST_USER], { stdio: 'ignore' });
  }
  const uid = Number(execFileSync('id', ['-u', TEST_USER], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', TEST_USER], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

/** A root-owned folder others may enter and read but not write (like /etc/edge-agent). */
export function readOnlyDir(prefix = 'edge-agent-ro-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  return dir;
}

export interface AsUserOptions {
  env?: Record<string, string>;
  /**
   * Folders mounted read-only for this run only (a private mount namespace), as systemd's
   * ProtectSystem=strict mounts /etc for the service.
   */
  readOnly?: string[];
  timeoutMs?: number;
}

/** Runs `edge-agent <args>` as TEST_USER with only the given environment (plus PATH). */
export function runCliAs(args: string[], o: AsUserOptions = {}): Promise<CliResult> {
  const asUser = ['setpriv', '--reuid', TEST_USER, '--regid', TEST_USER, '--init-groups', process.execPath, join(ROOT, 'dist', 'src', 'main.js')];
  const mounts = (o.readOnly ?? []).map((d) => `mount --bind '${d}' '${d}' && mount -o remount,bind,ro '${d}' && `).join('');
  const [cmd, ...argv] = mounts ? ['unshare', '--mount', 'sh', '-c', `${mounts}exec "$@"`, 'sh', ...asUser, ...args] : [...asUser, ...args];
  return new Promise((resolve) => {
    const child = spawn(cmd!, argv, { cwd: ROOT, env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', UV_THREADPOOL_SIZE: '24', ...o.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const guard = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 110_000);
    child.on('close', (code) => {
      clearTimeout(guard);
      resolve({ code, stdout, stderr });
    });
  });
}
