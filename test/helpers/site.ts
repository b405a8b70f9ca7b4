import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';

/**
 * Writes a gateway config with the given cameras (model yolox-nano-int8 unless a camera says
 * otherwise; `perCamera` settings added to each) and state beside it; returns its path.
 */
export function writeSiteConfig(dir: string, cameras: Record<string, unknown>[], o: { perCamera?: Record<string, unknown>; logLevel?: string } = {}): string {
  const path = join(dir, 'site.yaml');
  writeFileSync(
    path,
    stringify({
      gateway: { id: 'gw-site', province: 'hn', commune: 'test' },
      logging: { level: o.logLevel ?? 'warn' },
      outbox: { path: 'outbox.db' },
      storage: { snapshot_dir: 'snapshots' },
      cameras: cameras.map((c) => ({ model: 'yolox-nano-int8', ...c, ...o.perCamera })),
    }),
  );
  return path;
}
