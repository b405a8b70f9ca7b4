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
  /**
   * The longest a camera loop in `state` may go without progress before its own deadlines turn it
   * offline (frameHostClient's sourceRecoveryMs for the camera's stall timeout). Default 0.
   */
  recoveryMs?(cameraId: string, state: string): number;
  /** Undelivered outbox rows; undefined when unknown (outbox not open). */
  pending?(): number | undefined;
  /** Broker link state; undefined when no broker is configured. */
  brokerConnected?(): boolean | undefined;
}

export interface ProbeOptions {
  /** The watchdog period: no camera is called stuck sooner than this after its last progress. */
  windowMs: number;
  now?: () => number;
}

/**
 * The agent's health probe for superviseService(). Contract, per camera loop: the loop made progress
 * when its frame count grew or its stream state or restart count changed. A camera that is offline
 * (backing off before a retry) or ended is not wedged. An online or starting camera is stuck when it
 * made no progress for longer than both the watchdog period and its own recovery bound: the stream's
 * stall timer and the frame host's deadlines turn a silent camera or a wedged decoder offline within
 * that bound, so a camera beyond it is stuck where no timer of its own looks (a stuck inference, a
 * lost reply). Any stuck camera makes the service unhealthy.
 *
 * The status line reads like "12 cameras: 11 online, 1 offline; outbox 0 pending; broker connected".
 */
export function agentProbe(view: ServiceView, o: ProbeOptions): () => ProbeResult {
  const now = o.now ?? Date.now;
  const last = new Map<string, { sig: string; since: number }>();
  return () => {
    const t = now();
    const stuck: string[] = [];
    const byState = new Map<string, number>();
    for (const [id, c] of view.counters) {
      byState.set(c.state, (byState.get(c.state) ?? 0) + 1);
      const sig = `${c.frames}/${c.restarts}/${c.state}`;
      const prev = last.get(id);
      const since = prev && prev.sig === sig ? prev.since : t;
      last.set(id, { sig, since });
      if (c.state !== 'online' && c.state !== 'starting') continue;
      const bound = Math.max(o.windowMs, safe(() => view.recoveryMs?.(id, c.state)) ?? 0);
      if (t - since > bound) stuck.push(id);
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
