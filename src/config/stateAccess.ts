import { execFileSync } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, resolve } from 'node:path';
import type { Config } from './schema.js';
import { statePaths } from './statePaths.js';

// Can the user this process runs as actually use the state folders and the secrets file? Checked by
// `config validate` (the service's ExecStartPre) and `doctor`, so that a folder systemd mounts
// read-only or a secrets file only root can read is named with its fix before the service starts.
// access(2) answers for the real user and knows about read-only mounts (EROFS).

/** One thing the current user cannot do, with the command that fixes it. */
export interface AccessProblem {
  /** Config setting the path comes from. */
  setting: string;
  path: string;
  /** What is wrong, e.g. "not writable by user edge-agent (EACCES)". */
  problem: string;
  remedy: string;
}

/** Problems with the outbox folder, the snapshot folder and the secrets file; empty when all is usable. */
export function checkStateAccess(config: Config, configFile: string): AccessProblem[] {
  const out: AccessProblem[] = [];
  for (const p of statePaths(config)) {
    const dir = p.setting === 'outbox.path' ? dirname(p.path) : p.path;
    const problem = folderProblem(dir);
    if (problem) out.push({ setting: p.setting, path: dir, ...problem });
    if (p.setting === 'outbox.path' && !problem) {
      const file = fileProblem(p.path, constants.R_OK | constants.W_OK, 'read and written');
      if (file) out.push({ setting: p.setting, path: p.path, ...file });
    }
  }
  if (config.secretsFile !== undefined) {
    const path = resolve(dirname(configFile), config.secretsFile);
    const problem = fileProblem(path, constants.R_OK, 'read');
    if (problem) out.push({ setting: 'secrets_file', path, ...problem });
  }
  return out;
}

/** A readable explanation and fix for a secrets file this user cannot read, or undefined. */
export function secretsFileRemedy(path: string, code: string | undefined): string | undefined {
  if (code !== 'EACCES' && code !== 'EPERM') return undefined;
  const { group } = whoAmI();
  return `user ${whoAmI().user} may not read it: chgrp ${group} ${path}; chmod 0640 ${path} (the folder must let the user through: chmod o+x or g+x)`;
}

/** Who the checks ran as: a remedy names the user that needs the permission. */
export function whoAmI(): { user: string; group: string } {
  const info = userInfo();
  return { user: info.username, group: groupName(info.gid) ?? String(info.gid) };
}

function folderProblem(dir: string): { problem: string; remedy: string } | undefined {
  const { user } = whoAmI();
  // The folder itself, or the nearest existing parent in which it would be created.
  let existing = dir;
  while (!exists(existing) && dirname(existing) !== existing) existing = dirname(existing);
  const missing = existing !== dir;
  try {
    if (!statSync(existing).isDirectory()) {
      return { problem: `${existing} is a file, not a folder`, remedy: `choose another path, or move ${existing} away` };
    }
    accessSync(existing, constants.W_OK | constants.X_OK);
    return undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    const what = missing ? `cannot be created: ${existing} is not writable by user ${user} (${code})` : `is not writable by user ${user} (${code})`;
    if (code === 'EROFS') {
      return {
        problem: `${what}; that file system is read-only here`,
        remedy:
          'as the service only the state directory is writable: write outbox.path and storage.snapshot_dir as relative paths ' +
          '(they then go to $STATE_DIRECTORY, /var/lib/edge-agent) or as absolute paths under it',
      };
    }
    return {
      problem: what,
      remedy: missing
        ? `mkdir -p ${dir}; chown ${user} ${dir}; chmod 0750 ${dir}`
        : `chown ${user} ${dir}; chmod 0750 ${dir} (or run as the user that owns it)`,
    };
  }
}

function fileProblem(path: string, mode: number, verb: string): { problem: string; remedy: string } | undefined {
  if (!exists(path)) return undefined;
  try {
    accessSync(path, mode);
    return undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    const { user, group } = whoAmI();
    const remedy = verb === 'read' ? `chgrp ${group} ${path}; chmod 0640 ${path}` : `chown ${user} ${path}; chmod 0640 ${path}`;
    return { problem: `cannot be ${verb} by user ${user} (${code})`, remedy };
  }
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch (err) {
    // A folder we may not look into exists as far as the remedy is concerned.
    return (err as NodeJS.ErrnoException).code !== 'ENOENT' && (err as NodeJS.ErrnoException).code !== 'ENOTDIR';
  }
}

const groups = new Map<number, string | undefined>();

/** Group name by id through NSS (getent), so a remedy names the group as the operator knows it. */
function groupName(gid: number): string | undefined {
  if (!groups.has(gid)) {
    try {
      groups.set(gid, execFileSync('getent', ['group', String(gid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split(':')[0] || undefined);
    } catch {
      groups.set(gid, undefined);
    }
  }
  return groups.get(gid);
}
