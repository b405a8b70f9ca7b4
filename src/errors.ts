// Error classes shared by all stages. Three kinds of failure (see README "Failures"):
// fatal at start (ConfigError, ModelError), per camera and transient (StreamError), per frame (counted).

/** Invalid configuration: every problem found, each as `path: message`. Fatal at start. */
export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${problems.length} problem(s)\n  ${problems.join('\n  ')}`, options);
    this.name = 'ConfigError';
  }
}

/** A model that is unknown, missing, corrupt or unloadable. Fatal at start. */
export class ModelError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ModelError';
  }
}

export type StreamErrorKind =
  | 'not-found' // the file or host does not exist
  | 'missing-plugin' // GStreamer lacks an element or decoder for this stream
  | 'decode' // the data is corrupt or not a video
  | 'connection' // network source refused, timed out or unauthorised
  | 'stalled' // no frame for longer than the stall timeout
  | 'pipeline'; // any other bus error

/** A camera's stream failed. Transient per camera: the watchdog restarts it with backoff. */
export class StreamError extends Error {
  constructor(
    readonly kind: StreamErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StreamError';
  }
}

// The one redaction, built on the URI splitter of the config loader; re-exported here because
// every stage that reports an error needs it.
export { redactUri } from './log/redact.js';
