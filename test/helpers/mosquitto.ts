import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';

// A real Mosquitto per test, on a free loopback port, with its config in a temp folder.

export interface MosquittoOptions {
  /** Extra lines for mosquitto.conf (TLS settings, bridges). `listener` is written by the helper. */
  extra?: string[];
  /**
   * The listener section instead of the default plain, anonymous one on 127.0.0.1 (a rendered
   * tier template); it must listen on `port`, which is then required.
   */
  listener?: string[];
  /** Port to listen on; a free one by default. */
  port?: number;
  /** Keep sessions and queued messages across a graceful stop (persistence file in the temp folder). */
  persistent?: boolean;
}

export interface Mosquitto {
  port: number;
  /** mqtt://127.0.0.1:<port> */
  url: string;
  dir: string;
  /** Kills the broker: SIGKILL by default (a crash or a cut link); SIGTERM saves persistent sessions. */
  stop(signal?: 'SIGKILL' | 'SIGTERM'): Promise<void>;
  /** Starts it again on the same port with the same config. */
  start(): Promise<void>;
  restart(): Promise<void>;
  /** Stops it and removes its folder; for afterAll. */
  dispose(): Promise<void>;
  /** Broker log so far, for failure messages. */
  log(): string;
  /** Process id while it runs (for CPU and memory figures). */
  pid(): number | undefined;
}

export async function startMosquitto(opts: MosquittoOptions = {}): Promise<Mosquitto> {
  if (opts.listener && opts.port === undefined) throw new Error('startMosquitto: a listener section needs its port');
  const port = opts.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'mosq-'));
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(
    conf,
    [...(opts.listener ?? [`listener ${port} 127.0.0.1`, 'allow_anonymous true']), ...(opts.persistent ? ['persistence true', `persistence_location ${dir}/`] : ['persistence false']), 'log_dest stderr', 'log_type error', 'log_type warning', 'log_type notice', 'max_queued_messages 1000000', ...(opts.extra ?? []), ''].join('\n'),
  );
  let child: ChildProcess | undefined;
  let output = '';
  const start = async () => {
    if (child) return;
    const proc = spawn('/usr/sbin/mosquitto', ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
    proc.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    proc.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    child = proc;
    await waitListening(port, proc, () => output);
  };
  const stop = async (signal: 'SIGKILL' | 'SIGTERM' = 'SIGKILL') => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill(signal);
    });
  };
  await start();
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    dir,
    stop,
    start,
    restart: async () => {
      await stop('SIGKILL');
      await start();
    },
    dispose: async () => {
      await stop('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
    log: () => output,
    pid: () => (child?.exitCode === null ? child.pid : undefined),
  };
}

async function waitListening(port: number, proc: ChildProcess, out: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`mosquitto exited (${proc.exitCode}): ${out()}`);
    if (await canConnect(port)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`mosquitto did not listen on ${port}: ${out()}`);
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
