import type { ProbeResult } from './systemdNotify.js';

/** What the probe reads of one camera loop (the agent's CameraCounters satisfy it). */
export interface CameraProgress {
  /** Frames the loop has taken from its stream; grows while the loop turns. */
  frames: number;
  /** Stream restarts by the stream watchdog. */
  restarts: number;
  /** 'starting' | 'online' | 'offline' | 'ended'. */
  state: string;
}

/** The running service as the probe sees it; every member is read once per probe. */
export interface ServiceView {
  /** Started camera loops by camera id. */
  counters: ReadonlyMap<string, CameraProgress>;
  /** Undelivered outbox rows; undefined when unknown (outbox not open). */
  pending?(): number | undefined;
  /** Broker link state; undefined when no broker is configured. */
  brokerConnected?(): boolean | undefined;
}

/**
 * The agent's health probe for superviseService(). Contract, per camera loop: between two calls the
 * loop made progress when its frame count grew or its stream state or restart count changed. A
 * camera that is offline (backing off before a retry) or ended is not wedged. Any other camera (online
 * or starting) with no progress over `windowCalls` consecutive calls (default 2: calls come every half
 * watchdog period, so that is the whole period) makes the service unhealthy: a stuck inference or a
 * wedged pipeline that the stream's own stall timer did not catch. The stream stall timeout
 * (cameras[].stall_timeout_s) must therefore stay below the unit's WatchdogSec=.
 *
 * The status line reads like "12 cameras: 11 online, 1 offline; outbox 0 pending; broker connected".
 */
export function agentProbe(view: ServiceView, windowCalls = 2): () => ProbeResult {
  const last = new Map<string, { sig: string; idle: number }>();
  return () => {
    const stuck: string[] = [];
    const byState = new Map<string, number>();
    for (const [id, c] of view.counters) {
      byState.set(c.state, (byState.get(c.state) ?? 0) + 1);
      const sig = `${c.frames}/${c.restarts}/${c.state}`;
      const prev = last.get(id);
      const idle = prev && prev.sig === sig && (c.state === 'online' || c.state === 'starting') ? prev.idle + 1 : 0;
      last.set(id, { sig, idle });
      if (idle >= windowCalls) stuck.push(id);
    }
    const parts = [cameraSummary(view.counters.size, byState)];
    const pending = safe(() => view.pending?.());
    if (pending !== undefined) parts.push(`outbox ${pending} pending`);
    const broker = safe(() => view.brokerConnected?.());
    parts.push(broker === undefined ? 'no broker configured' : broker ? 'broker connected' : 'broker disconnected');
    if (stuck.length > 0) parts.push(`no progress: ${stuck.join(', ')}`);
    return { healthy: stuck.length === 0, status: parts.join('; ') };
  };
}

function cameraSummary(total: number, byState: Map<string, number>): string {
  // Online and offline always, so a technician reads the same shape every time; the rest when present.
  const shown = ['online', 'offline', 'starting', 'ended']
    .filter((s, i) => i < 2 || (byState.get(s) ?? 0) > 0)
    .map((s) => `${byState.get(s) ?? 0} ${s}`);
  return `${total} camera${total === 1 ? '' : 's'}: ${shown.join(', ')}`;
}

function safe<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}
