import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { projectRoot } from '../../src/detect/modelManifest.js';
import { freePort } from '../../test/helpers/ports.js';

// K `edge-agent central` processes (the built CLI) on one shared subscription at the ministry
// broker, each with its own HTTP port. Their receiver counters (/api/status) are polled; a killed
// instance keeps the figures it last reported, and a restarted one adds to them.

export interface CentralCounters {
  received: number;
  stored: number;
  duplicates: number;
  shed: number;
  failedCommits: number;
}

const ZERO: CentralCounters = { received: 0, stored: 0, duplicates: 0, shed: 0, failedCommits: 0 };
const FIELDS = Object.keys(ZERO) as (keyof CentralCounters)[];

export interface CentralSetup {
  dir: string;
  count: number;
  brokerUrl: string;
  tls: { ca: string; cert: string; key: string };
  keysFile: string;
  centreKeyFile: string;
  /** The store of instance i: one PostgreSQL database for all, or a SQLite file each. */
  store: (i: number) => { postgres: string } | { sqlite: string };
}

interface Instance {
  name: string;
  config: string;
  http: string;
  proc?: ChildProcess;
  last: CentralCounters;
  log: string;
}

export class CentralSet {
  private readonly instances: Instance[] = [];
  /** Counters of incarnations that were killed. */
  private readonly gone: CentralCounters = { ...ZERO };

  constructor(private readonly s: CentralSetup) {}

  async start(): Promise<void> {
    for (let i = 0; i < this.s.count; i++) {
      const name = `central-${i + 1}`;
      const port = await freePort();
      const config = join(this.s.dir, `${name}.yaml`);
      const cfg = {
        broker: { urls: [this.s.brokerUrl], client_id: name, tls: this.s.tls },
        keys: this.s.keysFile,
        centre_key: this.s.centreKeyFile,
        store: this.s.store(i),
        http: { port },
        logging: { level: 'warn' },
      };
      writeFileSync(config, stringify(cfg));
      this.instances.push({ name, config, http: `http://127.0.0.1:${port}`, last: { ...ZERO }, log: '' });
    }
    await Promise.all(this.instances.map((_, i) => this.launch(i)));
  }

  get count(): number {
    return this.instances.length;
  }

  pid(i: number): number[] {
    const p = this.instances[i]?.proc;
    return p?.pid !== undefined && p.exitCode === null ? [p.pid] : [];
  }

  /** Reads every live instance's counters. */
  async poll(): Promise<void> {
    await Promise.all(
      this.instances.map(async (x) => {
        const c = await status(x.http);
        if (c) x.last = c;
      }),
    );
  }

  totals(): CentralCounters {
    const t = { ...this.gone };
    for (const x of this.instances) for (const f of FIELDS) t[f] += x.last[f];
    return t;
  }

  /** SIGKILL: whatever it received and had not committed and acked is lost with it. */
  async kill(i: number): Promise<void> {
    const x = this.instances[i]!;
    await this.poll();
    for (const f of FIELDS) this.gone[f] += x.last[f];
    x.last = { ...ZERO };
    await stopProc(x.proc, 'SIGKILL');
  }

  restart(i: number): Promise<void> {
    return this.launch(i);
  }

  /** SIGTERM: each commits and acks what it holds, then exits. */
  async stop(): Promise<void> {
    await this.poll();
    await Promise.all(this.instances.map((x) => stopProc(x.proc, 'SIGTERM')));
  }

  logs(): string {
    return this.instances.map((x) => `--- ${x.name}\n${x.log}`).join('\n');
  }

  private async launch(i: number): Promise<void> {
    const x = this.instances[i]!;
    const proc = spawn(process.execPath, [join(projectRoot(), 'dist', 'src', 'main.js'), 'central', '--config', x.config], { stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (d: Buffer) => (x.log = (x.log + d.toString()).slice(-20_000));
    proc.stdout!.on('data', keep);
    proc.stderr!.on('data', keep);
    x.proc = proc;
    const deadline = Date.now() + 60_000;
    for (;;) {
      const up = await fetch(`${x.http}/api/status`).then((r) => r.json() as Promise<{ connected?: boolean }>).catch(() => undefined);
      if (up?.connected) return;
      if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`${x.name} did not start:\n${x.log}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

async function status(http: string): Promise<CentralCounters | undefined> {
  const s = await fetch(`${http}/api/status`, { signal: AbortSignal.timeout(5000) })
    .then((r) => r.json() as Promise<Partial<CentralCounters>>)
    .catch(() => undefined);
  if (!s) return undefined;
  const out = { ...ZERO };
  for (const f of FIELDS) out[f] = typeof s[f] === 'number' ? s[f] : 0;
  return out;
}

function stopProc(proc: ChildProcess | undefined, signal: NodeJS.Signals): Promise<void> {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const guard = setTimeout(() => proc.kill('SIGKILL'), 20_000);
    proc.once('exit', () => {
      clearTimeout(guard);
      resolve();
    });
    proc.kill(signal);
  });
}
