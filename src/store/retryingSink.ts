import type { Logger } from '../log/logger.js';
import type { AlertSink, Alert } from '../types.js';

const MAX_RETRY_MS = 30_000;

/**
 * Keeps every alert until the outbox has committed it. A commit can fail for a while (SQLITE_BUSY
 * after the busy timeout, a full disk, a read-only remount): the alert then waits here, in order,
 * and is retried with a growing delay. It is never dropped after a log line; the number waiting
 * is in the health message. emit() never throws.
 */
export class RetryingSink implements AlertSink {
  private readonly pending: Alert[] = [];
  private timer: NodeJS.Timeout | undefined;
  private delayMs: number;
  /** Commits that failed since start. */
  failures = 0;

  constructor(
    private readonly sink: AlertSink,
    private readonly log: Logger,
    private readonly firstRetryMs = 1000,
  ) {
    this.delayMs = firstRetryMs;
  }

  /** Alerts not yet committed. */
  get waiting(): number {
    return this.pending.length;
  }

  emit(alert: Alert): void {
    this.pending.push(alert);
    // While commits fail, new alerts queue behind the old ones and only the timer retries: each
    // attempt may block for the database's busy timeout.
    if (!this.timer) this.flush();
  }

  /** One last attempt (at stop); returns the number still not committed. */
  flushNow(): number {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.flush();
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length > 0) this.log.error({ waiting: this.pending.length }, 'alerts not committed at stop');
    return this.pending.length;
  }

  private flush(): void {
    while (this.pending.length > 0) {
      try {
        this.sink.emit(this.pending[0]!);
      } catch (err) {
        this.failures++;
        this.log.error({ err, waiting: this.pending.length, retryInMs: this.delayMs }, 'alert not committed to the outbox; kept and retried');
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.flush();
        }, this.delayMs);
        this.delayMs = Math.min(MAX_RETRY_MS, this.delayMs * 2);
        return;
      }
      this.pending.shift();
      this.delayMs = this.firstRetryMs;
    }
  }
}
