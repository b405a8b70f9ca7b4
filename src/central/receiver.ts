import type { KeyObject } from 'node:crypto';
import type { Logger } from '../log/logger.js';
import type { Acker } from './acker.js';
import type { CentralStore, Received } from './centralStore.js';
import type { GatewayBook } from './gatewayBook.js';
import { parseInbound } from './inbound.js';

export interface ReceiverOptions {
  prefix: string;
  maxMessages: number;
  maxWaitMs: number;
}

/** Figures since start; for the API, the log and tests. */
export interface ReceiverCounters {
  /** Every message from the broker. */
  received: number;
  /** Valid signed messages with a sequence number (alerts, counts, health), before their commit. */
  sequenced: number;
  stored: number;
  duplicates: number;
  /** Refused messages by reason (bad signature, unknown gateway, not a gateway topic, …). */
  rejected: Record<string, number>;
  /** Batches whose commit failed: their messages were not acked, the gateways send them again. */
  failedCommits: number;
  /** Messages dropped unacked because too many waited for a slow store; the gateways send them again. */
  shed: number;
}

/** Batches that may wait for the store before new messages are shed (memory stays bounded). */
const MAX_WAITING_BATCHES = 20;

/**
 * Turns broker messages into committed rows: parse and verify (inbound.ts), gather a batch, commit
 * it in one transaction, and only then ack it. Commits never overlap. Nothing a message contains
 * throws out of `onMessage`.
 */
export class Receiver {
  readonly counters: ReceiverCounters = { received: 0, sequenced: 0, stored: 0, duplicates: 0, rejected: {}, failedCommits: 0, shed: 0 };
  private waiting = 0;
  private batch: Received[] = [];
  private timer: NodeJS.Timeout | undefined;
  private committing: Promise<void> = Promise.resolve();
  private rejectedTotal = 0;

  constructor(
    private readonly keys: ReadonlyMap<string, readonly KeyObject[]>,
    private readonly store: CentralStore,
    private readonly book: GatewayBook,
    private readonly acker: Acker | undefined,
    private readonly opts: ReceiverOptions,
    private readonly log: Logger,
  ) {}

  onMessage(topic: string, payload: Buffer): void {
    this.counters.received++;
    const now = Date.now();
    let m;
    try {
      m = parseInbound(topic, payload, this.keys, this.opts.prefix, now);
    } catch (err) {
      m = { kind: 'rejected' as const, reason: `unreadable message (${(err as Error)?.message ?? 'error'})` };
    }
    switch (m.kind) {
      case 'state':
        return this.book.setState(m.gateway, m.base, m.online, m.boot, now);
      case 'camera':
        return this.book.setCamera(m.gateway, m.base, m.camera, m.online, m.error, now);
      case 'sequenced':
        this.counters.sequenced++;
        if (this.waiting >= MAX_WAITING_BATCHES) {
          if (this.counters.shed++ % 1000 === 0) this.log.warn({ shed: this.counters.shed }, 'store too slow: messages dropped unacked, the gateways will send them again');
          return;
        }
        this.batch.push(m.message);
        if (this.batch.length >= this.opts.maxMessages) this.flush();
        else this.timer ??= setTimeout(() => this.flush(), this.opts.maxWaitMs);
        return;
      case 'rejected':
        return this.reject(m.reason, topic, m.gateway);
      default:
        return;
    }
  }

  /** Commits what is gathered; resolves when every commit so far has ended. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.batch;
    this.batch = [];
    if (batch.length > 0) {
      this.waiting++;
      this.committing = this.committing.then(() => this.commit(batch)).finally(() => this.waiting--);
    }
    return this.committing;
  }

  private async commit(batch: Received[]): Promise<void> {
    try {
      const added = await this.store.commit(batch);
      const alerts = batch.filter((m) => m.alert).length;
      this.counters.stored += added;
      this.counters.duplicates += alerts - added;
    } catch (err) {
      this.counters.failedCommits++;
      this.log.error({ err: (err as Error)?.message ?? String(err), messages: batch.length }, 'commit failed: messages not acked, the gateways will send them again');
      return;
    }
    if (!this.acker) return;
    const byBase = new Map<string, number[]>();
    for (const m of batch) {
      const list = byBase.get(m.base) ?? [];
      list.push(m.seqFrom);
      byBase.set(m.base, list);
    }
    for (const [base, seqs] of byBase) this.acker.add(base, seqs);
  }

  private reject(reason: string, topic: string, gateway: string | undefined): void {
    this.counters.rejected[reason] = (this.counters.rejected[reason] ?? 0) + 1;
    // A flood of forged messages must not become a flood of log lines: the first ten, then one in a thousand.
    const n = ++this.rejectedTotal;
    if (n <= 10 || n % 1000 === 0) this.log.warn({ reason, topic: topic.slice(0, 256), gateway, count: n }, 'message refused');
  }
}
