import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../../src/detect/modelManifest.js';
import type { FromHost, GatewaySpec, HostStart, HostStats, ToHost } from './hostProtocol.js';
import type { Ledger } from './ledger.js';

// The simulation's side of the gateway host processes: starts them (the built dist/ script), hands
// each its share of the gateways, feeds every emitted id into the ledger and keeps their figures.

export interface HostFigures {
  /** Worst event-loop delay p99 any host reported in the window, and the worst single delay. */
  eld_p99_ms: number;
  eld_max_ms: number;
}

interface Host {
  proc: ChildProcess;
  stats?: HostStats;
  started?: (connectTs: number) => void;
  failed?: (err: Error) => void;
  stopped?: () => void;
  log: string;
}

export class GatewayFleet {
  private readonly hosts: Host[] = [];
  private worst: HostFigures = { eld_p99_ms: 0, eld_max_ms: 0 };
  private failure: string | undefined;

  constructor(private readonly ledger: Ledger) {}

  /** One host per group of gateways; resolves with the time the first host began connecting. */
  async start(groups: GatewaySpec[][], common: Omit<HostStart, 'op' | 'gateways'>): Promise<number> {
    const script = join(projectRoot(), 'dist', 'scripts', 'fleet', 'gatewayHost.js');
    const starts = groups.map((gateways) => {
      const proc = fork(script, [], { execArgv: [], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
      const host: Host = { proc, log: '' };
      this.hosts.push(host);
      proc.stderr!.on('data', (d: Buffer) => (host.log = (host.log + d.toString()).slice(-20_000)));
      proc.on('message', (m: FromHost) => this.onMessage(host, m));
      proc.on('exit', (code, signal) => {
        if (!host.stopped && (code !== 0 || signal)) this.fail(host, `a gateway host exited (${code ?? signal}):\n${host.log}`);
        host.stopped?.();
      });
      return new Promise<number>((resolve, reject) => {
        host.started = resolve;
        host.failed = reject;
        this.send(host, { op: 'start', ...common, gateways });
      });
    });
    return Math.min(...(await Promise.all(starts)));
  }

  /** Throws if a host failed or died: the run's figures would be meaningless. */
  check(): void {
    if (this.failure) throw new Error(this.failure);
  }

  pids(): number[] {
    return this.hosts.map((h) => h.proc.pid).filter((p): p is number => p !== undefined);
  }

  connected(): number {
    return this.hosts.reduce((n, h) => n + (h.stats?.connected ?? 0), 0);
  }

  depth(): number {
    return this.hosts.reduce((n, h) => n + (h.stats?.depth ?? 0), 0);
  }

  /**
   * True when every host reported after `ts` and no outbox holds a row stored before `ts` that the
   * centre has not acked yet.
   */
  clearSince(ts: number): boolean {
    return this.hosts.every((h) => h.stats !== undefined && h.stats.ts > ts && (h.stats.oldestUndeliveredTs === null || h.stats.oldestUndeliveredTs >= ts));
  }

  refused(): number {
    return this.hosts.reduce((n, h) => n + (h.stats?.refused ?? 0), 0);
  }

  emit(on: boolean): void {
    for (const h of this.hosts) this.send(h, { op: 'emit', on });
  }

  /** Host figures since the last call. */
  takeFigures(): HostFigures {
    const w = this.worst;
    this.worst = { eld_p99_ms: 0, eld_max_ms: 0 };
    return w;
  }

  /** Stops every gateway (each drains briefly, then closes its outbox) and the hosts. */
  async stop(): Promise<void> {
    await Promise.all(
      this.hosts.map(
        (h) =>
          new Promise<void>((resolve) => {
            if (h.proc.exitCode !== null || h.proc.signalCode !== null) return resolve();
            const guard = setTimeout(() => h.proc.kill('SIGKILL'), 30_000);
            h.stopped = () => {
              clearTimeout(guard);
              resolve();
            };
            this.send(h, { op: 'stop' });
          }),
      ),
    );
  }

  logs(): string {
    return this.hosts.map((h, i) => `--- gateway host ${i + 1}\n${h.log}`).join('\n');
  }

  private onMessage(host: Host, m: FromHost): void {
    switch (m.op) {
      case 'emitted':
        return this.ledger.add(m.rows);
      case 'stats':
        host.stats = m;
        this.worst = { eld_p99_ms: Math.max(this.worst.eld_p99_ms, m.eldP99Ms), eld_max_ms: Math.max(this.worst.eld_max_ms, m.eldMaxMs) };
        return;
      case 'started':
        return host.started?.(m.connectTs);
      case 'error':
        return this.fail(host, `a gateway host failed: ${m.message}`);
      case 'stopped':
        return;
    }
  }

  private fail(host: Host, message: string): void {
    this.failure ??= message;
    host.failed?.(new Error(message));
  }

  private send(host: Host, m: ToHost): void {
    if (host.proc.connected) host.proc.send(m);
  }
}
