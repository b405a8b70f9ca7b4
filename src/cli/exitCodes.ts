import { ConfigError, ModelError, StreamError, redactUri } from '../errors.js';

/** Exit codes a technician or systemd can tell apart. */
export const EXIT = { ok: 0, failure: 1, config: 2, model: 3, stream: 4, usage: 64 } as const;

/** Prints a fatal error as one clear message (no stack for known kinds) and returns its exit code. */
export function reportFatal(err: unknown): number {
  if (err instanceof ConfigError) {
    say(`edge-agent: invalid configuration in ${err.message}\n`);
    return EXIT.config;
  }
  if (err instanceof ModelError) {
    say(`edge-agent: model problem: ${err.message}\n`);
    return EXIT.model;
  }
  if (err instanceof StreamError) {
    say(`edge-agent: video ${err.kind}: ${err.message}\n`);
    return EXIT.stream;
  }
  say(`edge-agent: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return EXIT.failure;
}

/** Error text may echo a URI or a secret (GStreamer and mqtt.js quote what they were given). */
function say(text: string): void {
  process.stderr.write(redactUri(text));
}
