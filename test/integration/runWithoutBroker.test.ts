import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseDocument } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli, STREET, tempDir } from '../helpers/media.js';

describe('edge-agent run with no broker configured', () => {
  it('runs the street clip and keeps every alert in the outbox, to be sent once MQTT is configured', async () => {
    const dir = tempDir();
    const doc = parseDocument(readFileSync(join(ROOT, 'config', 'example.yaml'), 'utf8'));
    doc.setIn(['cameras', 0, 'source'], pathToFileURL(STREET).href);
    doc.setIn(['outbox', 'path'], 'outbox.db');
    doc.setIn(['storage', 'snapshot_dir'], 'snapshots');
    const config = join(dir, 'site.yaml');
    writeFileSync(config, String(doc));

    const run = await runCli(['run', '--config', config]);
    expect(run.code, run.stderr.slice(-2000)).toBe(0);
    expect(run.stderr).toContain('no mqtt configured: alerts are kept in the outbox only');

    const status = await runCli(['outbox', 'status', '--config', config, '--json']);
    expect(status.code, status.stderr).toBe(0);
    const s = JSON.parse(status.stdout) as { classes: Record<string, { pending: number }> };
    // The replay of the same clip raises 2 arrivals and about 6 wrong-way alerts (replay.test.ts).
    expect(s.classes['alert']!.pending).toBeGreaterThanOrEqual(6);
    expect(s.classes['count']!.pending).toBe(2);
  });
});
