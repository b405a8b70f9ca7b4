import type { Frame } from '../types.js';

/**
 * A stream of decoded frames from one camera or file. Not re-entrant: await next() before calling
 * it again. stop() is idempotent and makes a pending next() resolve to null.
 */
export interface FrameSource {
  /** True for cameras (frames may be dropped to stay current), false for files (every frame). */
  readonly live: boolean;
  /** Frames the camera delivered at the detect rate since start(), taken or not; when known. */
  readonly offered?: number;
  /** Opens the stream. Rejects with StreamError('not-found' | 'missing-plugin') when it cannot. */
  start(): Promise<void>;
  /** The next frame, or null at the end of a file or after stop(). Rejects with StreamError. */
  next(): Promise<Frame | null>;
  stop(): void;
}
