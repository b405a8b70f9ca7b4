import { basename, dirname, isAbsolute, resolve } from 'node:path';
import type { Config } from './schema.js';

// Where the agent keeps its state (the outbox database and the alert snapshots). Run from the
// project folder, relative paths are relative to the config file, as they always were. Run as the
// service, /etc is read-only (ProtectSystem=strict) and only the state directory systemd hands over
// in $STATE_DIRECTORY is writable, so relative paths go there instead. Absolute paths always win.

/** How a state path was chosen, for `config validate` and `doctor`. */
export type StateOrigin = 'absolute' | 'state-directory' | 'config-folder';

export interface StatePath {
  /** The config setting, as an operator writes it. */
  setting: 'outbox.path' | 'storage.snapshot_dir';
  /** Absolute path: the outbox database file, or the snapshot folder. */
  path: string;
  origin: StateOrigin;
}

/** The first folder of $STATE_DIRECTORY (systemd may list several, colon-separated), if set. */
export function stateDirectory(env: Record<string, string | undefined>): string | undefined {
  const first = env['STATE_DIRECTORY']?.split(':')[0]?.trim();
  return first ? resolve(first) : undefined;
}

/**
 * Where a state path points. Under a state directory a relative path keeps only its last name
 * (`../var/outbox.db` → `$STATE_DIRECTORY/outbox.db`), so one config works both from the project
 * folder and as the service, and nothing lands outside the writable folder.
 */
export function placeStatePath(value: string, configFile: string, env: Record<string, string | undefined>): { path: string; origin: StateOrigin } {
  if (isAbsolute(value)) return { path: resolve(value), origin: 'absolute' };
  const state = stateDirectory(env);
  // A value with no name left ("", ".", "..") means the state directory itself.
  if (state) return { path: resolve(state, basename(resolve('/', value))), origin: 'state-directory' };
  return { path: resolve(dirname(configFile), value), origin: 'config-folder' };
}

const placed = new WeakMap<Config, StatePath[]>();

/** Makes outbox.path and storage.snapshot_dir absolute (see placeStatePath); returns the same object. */
export function resolveStatePaths(config: Config, configFile: string, env: Record<string, string | undefined>): Config {
  const outbox = placeStatePath(config.outbox.path, configFile, env);
  const snapshots = placeStatePath(config.storage.snapshotDir, configFile, env);
  config.outbox.path = outbox.path;
  config.storage.snapshotDir = snapshots.path;
  placed.set(config, [
    { setting: 'outbox.path', ...outbox },
    { setting: 'storage.snapshot_dir', ...snapshots },
  ]);
  return config;
}

/** The state paths of a config loaded by loadConfig, with the reason each went where it did. */
export function statePaths(config: Config): StatePath[] {
  return (
    placed.get(config) ?? [
      { setting: 'outbox.path', path: config.outbox.path, origin: 'absolute' },
      { setting: 'storage.snapshot_dir', path: config.storage.snapshotDir, origin: 'absolute' },
    ]
  );
}

/** "state directory ($STATE_DIRECTORY)" and the like, for one line of `config validate`. */
export function describeOrigin(origin: StateOrigin): string {
  if (origin === 'state-directory') return 'in the state directory ($STATE_DIRECTORY)';
  if (origin === 'config-folder') return "relative to the config file's folder";
  return 'absolute path from the config';
}
