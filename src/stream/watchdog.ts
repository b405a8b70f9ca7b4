import { StreamError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { Frame } from '../types.js';
import type { FrameSource } from './frameSource.js';

export interface WatchdogOptions {
  /** First retry delay; doubles per consecutive failure up to maxBackoffMs. */
  minBackoffMs: number;
  maxBackoffMs: number;
  /** Give up after this many consecutive failures (files); live cameras use Infinity. */
  maxFailures: number;
}

export type CameraState = 'starting' | 'online' | 'offline' | 'ended';

export interface WatchdogEvents {
  onState?(state: CameraState, error?: StreamError): void;
}

/**
 * Keeps one camera's frames flowing: (re)creates its source after any StreamError, including a
 * failure to start, with capped exponential backoff and jitter. Yields frames until stopped or, for
 * a file, until its end. Per-camera failures never escape except when maxFailures is reached.
 */
export class StreamWatchdog {
  restarts = 0;
  private source: FrameSource | undefined;
  /** Frames offered by the sources that came before the current one. */
  private offeredBefore = 0;
  private stopped = false;
  private wake: (() => void) | undefined;

  constructor(
    private readonly makeSource: () => FrameSource,
    private readonly options: WatchdogOptions,
    private readonly log: Logger,
    private readonly events: WatchdogEvents = {},
  ) {}

  async *frames(): AsyncGenerator<Frame> {
    let failures = 0;
    while (!this.stopped) {
      this.events.onState?.('starting');
      this.offeredBefore += this.source?.offered ?? 0;
      const source = (this.source = this.makeSource());
      try {
        await source.start();
        let frame: Frame | null;
        let first = true;
        while (!this.stopped && (frame = await source.next())) {
          if (first) {
            this.events.onState?.('online');
            first = false;
            failures = 0;
          }
          yield frame;
        }
        source.stop();
        if (this.stopped || !source.live) break; // a file's end is the normal end of work
      } catch (err) {
        source.stop();
        if (this.stopped) break;
        const error = err instanceof StreamError ? err : new StreamError('pipeline', String(err), { cause: err });
        failures++;
        this.events.onState?.('offline', error);
        if (failures >= this.options.maxFailures) throw error;
        const delayMs = this.backoffMs(failures);
        this.log.warn({ kind: error.kind, err: error.message, retryInMs: delayMs, failures }, 'stream failed; retrying');
        this.restarts++;
        await this.sleep(delayMs);
      }
    }
    this.events.onState?.('ended');
  }

  /** Frames the camera delivered at the detect rate since the first start, across restarts. */
  get offered(): number {
    return this.offeredBefore + (this.source?.offered ?? 0);
  }

  /** Drops the current stream and opens a new one at once (e.g. after the camera's address changed). */
  restartSource(): void {
    this.source?.stop();
    this.wake?.();
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.source?.stop();
    this.wake?.();
  }

  backoffMs(failures: number): number {
    const base = Math.min(this.options.maxBackoffMs, this.options.minBackoffMs * 2 ** (failures - 1));
    // Full jitter in the upper half: cameras that failed together (a switch reboot) retry apart.
    return Math.round(base / 2 + Math.random() * (base / 2));
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
