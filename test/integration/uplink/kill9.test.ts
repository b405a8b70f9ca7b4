import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMosquitto, type Mosquitto } from '../../helpers/mosquitto.js';
import { BASE, Collector, tempDir, waitFor } from './support.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const FIXTURE = join(ROOT, 'test/fixtures/uplink/emitter.ts');
const KILLS = 15;

interface Child {
  proc: ChildProcess;
  lines: string[];
}

function launch(dir: string, url: string, run: number, mode?: string): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', FIXTURE, dir, url, String(run), ...(mode ? [mode] : [])], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const child: Child = { proc, lines: [] };
  let rest = '';
  proc.stdout!.on('data', (d: Buffer) => {
    const parts = (rest + d.toString()).split('\n');
    rest = parts.pop() ?? '';
    child.lines.push(...parts);
  });
  return child;
}

function exited(proc: ChildProcess): Promise<void> {
  return proc.exitCode !== null || proc.signalCode !== null ? Promise.resolve() : new Promise((r) => proc.once('close', () => r()));
}

describe('uplink killed with SIGKILL at random moments', () => {
  let broker: Mosquitto;
  let dir: string;
  beforeAll(async () => {
    broker = await startMosquitto();
    dir = tempDir('kill9-');
  });
  afterAll(async () => {
    await broker.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`loses no committed alert across ${KILLS} kills (duplicates allowed)`, async () => {
    const sub = await Collector.open(broker.url, [`${BASE}/camera/#`]);
    const committed = new Set<string>();
    for (let run = 0; run < KILLS; run++) {
      const child = launch(dir, broker.url, run);
      // Kill at a random point after the child has begun emitting: mid-transaction, mid-publish,
      // between a PUBACK and its delete.
      const target = 1 + Math.floor(Math.random() * 200);
      await waitFor(() => child.lines.length > target || child.proc.exitCode !== null, `child ${run} emitting`);
      child.proc.kill('SIGKILL');
      await exited(child.proc);
      for (const l of child.lines) if (l.startsWith(`r${run}-`)) committed.add(l);
    }
    const drain = launch(dir, broker.url, KILLS, '--drain');
    await waitFor(() => drain.lines.includes('DRAINED'), 'final drain');
    await exited(drain.proc);
    await waitFor(() => [...committed].every((id) => sub.alertIds().has(id)), 'every committed alert at the subscriber');
    const missing = [...committed].filter((id) => !sub.alertIds().has(id));
    expect(missing).toEqual([]);
    expect(committed.size).toBeGreaterThan(KILLS);
    await sub.close();
  });
});
