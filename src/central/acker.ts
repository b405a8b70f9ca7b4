import type { KeyObject } from 'node:crypto';
import { signAck } from '../verify/index.js';

/** Publishes one signed message; false when offline (the gateway then resends, and we ack again). */
export type Send = (topic: string, payload: Buffer) => boolean;

/**
 * Signed end-to-end acks for committed messages, gathered per gateway and sent every interval (or
 * at once when a gateway's list is full). Only committed sequence numbers are ever added: a crash
 * before the commit leaves the rows unacked at the gateway, which sends them again.
 */
export class Acker {
  private readonly pending = new Map<string, Set<number>>();
  /** Ack messages sent and sequence numbers they carried. */
  readonly counters = { messages: 0, seqs: 0, unsent: 0 };

  constructor(
    private readonly key: KeyObject,
    private readonly maxSeqs: number,
    private readonly send: Send,
  ) {}

  /** `base`: the gateway's base topic; `seqs`: committed (or already stored) sequence numbers. */
  add(base: string, seqs: Iterable<number>): void {
    let set = this.pending.get(base);
    if (!set) this.pending.set(base, (set = new Set()));
    for (const q of seqs) set.add(q);
    if (set.size >= this.maxSeqs) this.flushOne(base, set);
  }

  /** Sends everything gathered; call on a timer and before stopping. */
  flush(): void {
    for (const [base, set] of this.pending) this.flushOne(base, set);
  }

  private flushOne(base: string, set: Set<number>): void {
    const all = [...set].sort((a, b) => a - b);
    set.clear();
    for (let i = 0; i < all.length; i += this.maxSeqs) {
      const seqs = all.slice(i, i + this.maxSeqs);
      if (this.send(`${base}/ack`, signAck(this.key, base, { seqs }))) {
        this.counters.messages++;
        this.counters.seqs += seqs.length;
      } else this.counters.unsent += seqs.length;
    }
    this.pending.delete(base);
  }
}
