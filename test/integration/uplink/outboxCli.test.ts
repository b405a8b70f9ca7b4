import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { registerOutboxCommands } from '../../../src/cli/outboxCommands.js';
import { loadConfig } from '../../../src/config/loadConfig.js';
import { alertRecord, droppedRecord } from '../../../src/publish/payload.js';
import { Outbox } from '../../../src/store/outbox.js';
import { makeAlert, outboxConfig, quietLog, tempDir } from './support.js';

const dir = tempDir('cli-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(args: string[]): Promise<string> {
  const program = new Command('edge-agent').exitOverride();
  registerOutboxCommands(program, { loadConfig: (f) => loadConfig(f), makeLogger: () => quietLog() });
  let out = '';
  const orig = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((c: string) => ((out += c), true)) as typeof process.stdout.write;
  try {
    await program.parseAsync(['node', 'edge-agent', ...args]);
  } finally {
    process.stdout.write = orig;
  }
  return out;
}

describe('edge-agent outbox', () => {
  it('reports status and re-queues delivered rows by sequence number or time', async () => {
    const file = join(dir, 'agent.yaml');
    writeFileSync(file, 'gateway: { id: gw-cli, province: hn, commune: c1 }\noutbox: { path: var/ob.db }\ncameras:\n  - id: cam-1\n    source: rtsp://10.0.0.5/s\n');
    const ob = new Outbox(join(dir, 'var/ob.db'), outboxConfig(dir), (d) => droppedRecord('gw-cli', d), quietLog());
    ob.open();
    for (let i = 0; i < 5; i++) ob.insert(alertRecord(makeAlert(`cli-${i}`)));
    ob.insert({ id: 'h', class: 'health', ts: 1, topic: 'health', body: '{}' });
    ob.markPublished(ob.pending(0, 4, 10).map((r) => ({ seq: r.seq, id: r.id })), false);
    ob.close();

    const status = JSON.parse(await run(['outbox', 'status', '--config', file, '--json'])) as { depth: number; boot: number; classes: Record<string, { pending: number; delivered: number }> };
    expect(status).toMatchObject({ depth: 3, boot: 1, classes: { alert: { pending: 2, delivered: 3 }, health: { pending: 1 } } });
    expect(await run(['outbox', 'status', '--config', file])).toMatch(/alert\s+2\s+0\s+3/);
    expect(await run(['outbox', 'replay', '--config', file, '--since', '2'])).toMatch(/^2 row/);
    expect(await run(['outbox', 'replay', '--config', file, '--since', '2000-01-01T00:00:00Z'])).toMatch(/^1 row/);
    const after = JSON.parse(await run(['outbox', 'status', '--config', file, '--json'])) as { depth: number; boot: number };
    expect(after).toMatchObject({ depth: 6, boot: 1 });
    await run(['outbox', 'replay', '--config', file, '--since', 'yesterday-ish']);
    expect(process.exitCode).toBe(64);
    process.exitCode = 0;
  });
});
