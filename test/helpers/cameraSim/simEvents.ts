import { randomUUID } from 'node:crypto';
import { render } from './templates.js';

// Pull-point subscriptions of the simulated camera: queued notifications, long-polled PullMessages.

export type SimEventKind = 'motion' | 'tamper';

const TOPICS: Record<SimEventKind, { topic: string; item: string; rule: string }> = {
  motion: { topic: 'tns1:RuleEngine/CellMotionDetector/Motion', item: 'IsMotion', rule: 'MyMotionDetectorRule' },
  tamper: { topic: 'tns1:RuleEngine/TamperDetector/Tamper', item: 'IsTamper', rule: 'MyTamperDetectorRule' },
};

interface Subscription {
  queue: string[];
  wake?: () => void;
  terminationMs: number;
}

export class SimEvents {
  private readonly subs = new Map<string, Subscription>();
  /** Counts for tests: how many subscriptions were ever created. */
  created = 0;

  /** Creates a subscription and returns its id (the last path segment of its address). */
  create(nowMs: number): string {
    const id = randomUUID();
    this.subs.set(id, { queue: [], terminationMs: nowMs + 60_000 });
    this.created++;
    return id;
  }

  has(id: string): boolean {
    return this.subs.has(id);
  }

  renew(id: string, nowMs: number): number {
    const sub = this.subs.get(id)!;
    sub.terminationMs = nowMs + 60_000;
    return sub.terminationMs;
  }

  remove(id: string): void {
    this.subs.get(id)?.wake?.();
    this.subs.delete(id);
  }

  /** Drops every subscription, as a reboot does. */
  clear(): void {
    for (const id of [...this.subs.keys()]) this.remove(id);
  }

  /** Queues a notification for every subscriber and wakes pending pulls. */
  emit(kind: SimEventKind, state: boolean, nowMs: number): void {
    const t = TOPICS[kind];
    const xml = render('common', 'NotificationMessage', {
      topic: t.topic,
      item: t.item,
      rule: t.rule,
      value: String(state),
      operation: 'Changed',
      utc: new Date(nowMs).toISOString(),
    });
    for (const sub of this.subs.values()) {
      sub.queue.push(xml);
      sub.wake?.();
    }
  }

  /** Waits up to `waitMs` for messages, then returns (and removes) up to `limit` of them. */
  async pull(id: string, waitMs: number, limit: number): Promise<string[]> {
    const sub = this.subs.get(id);
    if (!sub) return [];
    if (sub.queue.length === 0) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, waitMs);
        sub.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      sub.wake = undefined;
    }
    return sub.queue.splice(0, limit);
  }

  terminationOf(id: string): number {
    return this.subs.get(id)?.terminationMs ?? 0;
  }
}
