import { createRequire } from 'node:module';
import type { Logger } from '../log/logger.js';

// systemd's notify protocol (sd_notify(3)): one datagram of "KEY=value" lines to the AF_UNIX socket
// named by $NOTIFY_SOCKET. systemd attributes each datagram to the sending process (SCM_CREDENTIALS
// filled in by the kernel), and the unit's NotifyAccess=main accepts only the main PID, so the
// datagrams must leave this very process: a `systemd-notify` or `socat` child would be ignored (or,
// with NotifyAccess=all, misattributed once it has exited). Node's dgram has no AF_UNIX datagram
// sockets, so unix-dgram (a small native addon, no library behind it) is the only importer here.

/** Speaks to systemd. Every method is a no-op when the process is not run by a notify unit. */
export interface Notifier {
  /** True when $NOTIFY_SOCKET is set and usable. */
  readonly enabled: boolean;
  /** READY=1: start-up is complete; systemd moves the unit from "activating" to "active". */
  ready(): void;
  /** STATUS=text: one line shown by `systemctl status` (newlines are replaced by spaces). */
  status(text: string): void;
  /** WATCHDOG=1: "still healthy"; must come more often than the unit's WatchdogSec=. */
  watchdog(): void;
  /** STOPPING=1: a clean stop has begun. */
  stopping(): void;
}

/** What the unix-dgram module offers that is used here. */
interface UnixDgramSocket {
  on(event: 'error', listener: (err: Error) => void): void;
  connect(path: string): void;
  send(buf: Buffer, callback: (err?: Error) => void): void;
  close(): void;
}
type CreateSocket = (type: 'unix_dgram') => UnixDgramSocket;

/**
 * A notifier for $NOTIFY_SOCKET in `env`. Each message opens, sends on and closes its own socket, as
 * libsystemd's sd_notify() does: nothing stays open to keep the event loop alive, and a systemd
 * restart of its socket cannot leave a stale connection. A failed send is logged once at warn and
 * never thrown: the agent's work matters more than its report of it.
 */
export function createNotifier(log?: Logger, env: NodeJS.ProcessEnv = process.env): Notifier {
  const path = env['NOTIFY_SOCKET'];
  if (!path) return disabledNotifier();
  if (path.startsWith('@')) {
    log?.warn({ socket: path }, 'NOTIFY_SOCKET is an abstract socket, which this agent cannot address; systemd will not hear READY or WATCHDOG');
    return disabledNotifier();
  }
  let createSocket: CreateSocket;
  try {
    createSocket = (createRequire(import.meta.url)('unix-dgram') as { createSocket: CreateSocket }).createSocket;
  } catch (err) {
    log?.error({ err: (err as Error).message }, 'cannot load unix-dgram: systemd will not hear READY or WATCHDOG; reinstall the package');
    return disabledNotifier();
  }
  let warned = false;
  const fail = (err: Error) => {
    if (warned) return;
    warned = true;
    log?.warn({ socket: path, err: err.message }, 'cannot send to systemd (NOTIFY_SOCKET); later failures are not logged');
  };
  const send = (message: string) => {
    let socket: UnixDgramSocket | undefined;
    try {
      socket = createSocket('unix_dgram');
      socket.on('error', fail);
      socket.connect(path);
      socket.send(Buffer.from(message), (err) => {
        if (err) fail(err);
      });
    } catch (err) {
      fail(err as Error);
    } finally {
      try {
        socket?.close();
      } catch {
        // already closed
      }
    }
  };
  return {
    enabled: true,
    ready: () => send('READY=1'),
    status: (text) => send(`STATUS=${text.replace(/\s*\n\s*/g, ' ')}`),
    watchdog: () => send('WATCHDOG=1'),
    stopping: () => send('STOPPING=1'),
  };
}

function disabledNotifier(): Notifier {
  const nothing = () => undefined;
  return { enabled: false, ready: nothing, status: nothing, watchdog: nothing, stopping: nothing };
}

/**
 * Half the watchdog period systemd asks for ($WATCHDOG_USEC, µs), as sd_watchdog_enabled(3)
 * recommends; undefined when there is no watchdog or it is meant for another process ($WATCHDOG_PID).
 */
export function watchdogIntervalMs(env: NodeJS.ProcessEnv = process.env, pid = process.pid): number | undefined {
  const usec = Number(env['WATCHDOG_USEC']);
  if (!Number.isFinite(usec) || usec <= 0) return undefined;
  const forPid = env['WATCHDOG_PID'];
  if (forPid && Number(forPid) !== pid) return undefined;
  return Math.max(1, Math.floor(usec / 2000));
}

/** One look at the service: whether it may tell systemd it is alive, and what to show the technician. */
export interface ProbeResult {
  /** False withholds WATCHDOG=1, so that systemd restarts a wedged service after WatchdogSec=. */
  healthy: boolean;
  /** One line for `systemctl status`; sent only when it changes. */
  status: string;
}

export interface SupervisorOptions {
  notifier: Notifier;
  /**
   * Called once per interval, on the event loop (so a blocked loop calls it never, which is the
   * point); must be cheap and must not throw. See agentProbe() for the agent's.
   */
  probe: () => ProbeResult;
  /** Period of the probe and the pings; default watchdogIntervalMs(), else 5000 (status only). */
  intervalMs?: number;
  /** False when systemd asked for no watchdog: STATUS is still kept up to date. Default: $WATCHDOG_USEC is set. */
  watchdog?: boolean;
  log?: Logger;
}

/** The probe period: half of systemd's watchdog period when it asked for one, else 5 s. */
export function supervisionIntervalMs(env: NodeJS.ProcessEnv = process.env): number {
  return watchdogIntervalMs(env) ?? 5000;
}

/** A running supervisor. */
export interface Supervisor {
  /**
   * The service is shutting down: from now on only WATCHDOG=1 (the stop itself is bounded by
   * TimeoutStopSec=), no more probes: camera loops that are being stopped make no progress.
   */
  stopping(): void;
  stop(): void;
}

/**
 * Probes the service every interval: WATCHDOG=1 while it is healthy, STATUS= when the text changes.
 * Runs a first probe at once. The timer does not keep the process alive. stop() is idempotent.
 */
export function superviseService(o: SupervisorOptions): Supervisor {
  if (!o.notifier.enabled) return { stopping: () => undefined, stop: () => undefined };
  const fromEnv = watchdogIntervalMs();
  const watchdog = o.watchdog ?? fromEnv !== undefined;
  const intervalMs = o.intervalMs ?? supervisionIntervalMs();
  let lastStatus: string | undefined;
  let wasHealthy = true;
  let shuttingDown = false;
  const tick = () => {
    if (shuttingDown) {
      if (watchdog) o.notifier.watchdog();
      return;
    }
    let result: ProbeResult;
    try {
      result = o.probe();
    } catch (err) {
      result = { healthy: false, status: `health probe failed: ${(err as Error).message}` };
    }
    if (result.status !== lastStatus) {
      o.notifier.status(result.status);
      lastStatus = result.status;
    }
    if (result.healthy && watchdog) o.notifier.watchdog();
    if (result.healthy !== wasHealthy) {
      if (result.healthy) o.log?.info({ status: result.status }, 'healthy again: watchdog pings resume');
      else o.log?.error({ status: result.status }, 'unhealthy: watchdog pings withheld, systemd will restart the service');
      wasHealthy = result.healthy;
    }
  };
  tick();
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return {
    stopping: () => {
      shuttingDown = true;
    },
    stop: () => clearInterval(timer),
  };
}
