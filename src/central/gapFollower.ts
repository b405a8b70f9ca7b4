import type { KeyObject } from 'node:crypto';
import { randomBytes } from 'node:crypto';
import { signRequest } from '../verify/index.js';
import type { Send } from './acker.js';
import type { SeqGap } from './centralStore.js';

export interface GapPolicy {
  /** A gap must be open this long before it is asked for. */
  graceMs: number;
  /** At most one replay request per gateway this often. */
  minIntervalMs: number;
  /** Requests per gap before it is left open. */
  maxAttempts: number;
}

export interface OpenGap extends SeqGap {
  firstSeenTs: number;
  attempts: number;
}

/**
 * Follows the gaps the store reports and asks each gateway, with a signed `request/replay`
 * (`since_seq` = the first missing number), to send them again: after a grace time (live rows go
 * before the backlog, so numbers arrive out of order), at most once per gateway per interval, and
 * a bounded number of times per gap (gaps no replay fills: snapshot rows, evicted telemetry).
 */
export class GapFollower {
  private open = new Map<string, OpenGap>();
  private readonly lastAsked = new Map<string, number>();
  readonly counters = { requests: 0 };

  constructor(
    private readonly key: KeyObject,
    private readonly policy: GapPolicy,
    private readonly send: Send,
  ) {}

  /** Takes the store's current gaps; returns the replay requests sent (gateway and since_seq). */
  update(gaps: readonly SeqGap[], bases: ReadonlyMap<string, string>, now: number): { gateway: string; sinceSeq: number }[] {
    const next = new Map<string, OpenGap>();
    for (const g of gaps) {
      const k = `${g.gateway}\0${g.boot}\0${g.from}`;
      const before = this.open.get(k);
      next.set(k, { ...g, firstSeenTs: before?.firstSeenTs ?? now, attempts: before?.attempts ?? 0 });
    }
    this.open = next;
    const sent: { gateway: string; sinceSeq: number }[] = [];
    const byGateway = new Map<string, OpenGap>();
    for (const g of next.values()) {
      if (g.attempts >= this.policy.maxAttempts || now - g.firstSeenTs < this.policy.graceMs) continue;
      const first = byGateway.get(g.gateway);
      if (!first || g.from < first.from) byGateway.set(g.gateway, g);
    }
    for (const [gateway, g] of byGateway) {
      const base = bases.get(gateway);
      if (!base || now - (this.lastAsked.get(gateway) ?? -Infinity) < this.policy.minIntervalMs) continue;
      const body = signRequest(this.key, base, 'replay', { since_seq: g.from, transaction: `gap-${randomBytes(6).toString('hex')}` }, now);
      if (!this.send(`${base}/request/replay`, body)) continue;
      this.lastAsked.set(gateway, now);
      // One request replays from the lowest gap on, so it covers every gap of that gateway above it.
      for (const o of next.values()) if (o.gateway === gateway && o.attempts < this.policy.maxAttempts) o.attempts++;
      this.counters.requests++;
      sent.push({ gateway, sinceSeq: g.from });
    }
    return sent;
  }

  /** Gaps open now, per gateway. */
  openGaps(gateway?: string): OpenGap[] {
    return [...this.open.values()].filter((g) => gateway === undefined || g.gateway === gateway);
  }
}
