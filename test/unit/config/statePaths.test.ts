import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/loadConfig.js';
import { placeStatePath, stateDirectory, statePaths } from '../../../src/config/statePaths.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const EXAMPLE = readFileSync(join(ROOT, 'config', 'example.yaml'), 'utf8');

describe('state paths', () => {
  it('from the project folder: relative paths are relative to the config file, as before', () => {
    const cfg = parseConfig(EXAMPLE, '/opt/site/config/site.yaml', { env: {} });
    expect(cfg.outbox.path).toBe('/opt/site/var/outbox.db');
    expect(cfg.storage.snapshotDir).toBe('/opt/site/var/snapshots');
    expect(statePaths(cfg).map((p) => p.origin)).toEqual(['config-folder', 'config-folder']);
  });

  it('as the service: relative paths go to $STATE_DIRECTORY, never under the read-only /etc', () => {
    const cfg = parseConfig(EXAMPLE, '/etc/edge-agent/edge-agent.yaml', { env: { STATE_DIRECTORY: '/var/lib/edge-agent' } });
    expect(cfg.outbox.path).toBe('/var/lib/edge-agent/outbox.db');
    expect(cfg.storage.snapshotDir).toBe('/var/lib/edge-agent/snapshots');
    expect(statePaths(cfg)).toEqual([
      { setting: 'outbox.path', path: '/var/lib/edge-agent/outbox.db', origin: 'state-directory' },
      { setting: 'storage.snapshot_dir', path: '/var/lib/edge-agent/snapshots', origin: 'state-directory' },
    ]);
  });

  it('the schema defaults also go to the state directory', () => {
    const text = 'gateway: {id: g, province: p, commune: c}\ncameras:\n  - id: a\n    source: rtsp://10.0.0.1/s\n';
    const cfg = parseConfig(text, '/etc/edge-agent/edge-agent.yaml', { env: { STATE_DIRECTORY: '/var/lib/edge-agent' } });
    expect(cfg.outbox.path).toBe('/var/lib/edge-agent/outbox.db');
    expect(cfg.storage.snapshotDir).toBe('/var/lib/edge-agent/snapshots');
  });

  it('explicit absolute paths win over the state directory', () => {
    const text = EXAMPLE.replace('path: ../var/outbox.db', 'path: /data/edge/outbox.db').replace(
      'snapshot_dir: ../var/snapshots',
      'snapshot_dir: /data/edge/pictures',
    );
    const cfg = parseConfig(text, '/etc/edge-agent/edge-agent.yaml', { env: { STATE_DIRECTORY: '/var/lib/edge-agent' } });
    expect(cfg.outbox.path).toBe('/data/edge/outbox.db');
    expect(cfg.storage.snapshotDir).toBe('/data/edge/pictures');
    expect(statePaths(cfg).map((p) => p.origin)).toEqual(['absolute', 'absolute']);
  });

  it('takes the first of several state directories and ignores an empty variable', () => {
    expect(stateDirectory({ STATE_DIRECTORY: '/var/lib/a:/var/lib/b' })).toBe('/var/lib/a');
    expect(stateDirectory({ STATE_DIRECTORY: '' })).toBeUndefined();
    expect(placeStatePath('../../x/../outbox.db', '/etc/e/c.yaml', { STATE_DIRECTORY: '/s' }).path).toBe('/s/outbox.db');
  });
});
