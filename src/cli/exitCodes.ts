import { ConfigError, ModelError, StreamError, redactUri } from '../errors.js';
import { UplinkError } from '../publish/uplinkError.js';
import { StoreError } from '../store/storeErrors.js';

/**
 * Exit codes a technician or systemd can tell apart, one per kind of fatal error at start (README
 * "Exit codes"). 1 is left for what nobody foresaw, 64 for a bad command line (sysexits' EX_USAGE).
 */
export const EXIT = { ok: 0, failure: 1, config: 2, model: 3, stream: 4, store: 5, uplink: 6, usage: 64 } as const;

let stacks = false;

/**
 * Also print stack traces (and causes) of fatal errors: on when the log level is debug or trace, or
 * when EDGE_AGENT_DEBUG=1. Off by default: a technician needs the sentence, not the frames.
 */
export function showStacks(on: boolean): void {
  stacks = on;
}

function stacksWanted(): boolean {
  return stacks || process.env['EDGE_AGENT_DEBUG'] === '1';
}

/** The exit code of a fatal error's kind; `failure` for anything unforeseen. */
export function exitCodeOf(err: unknown): number {
  if (err instanceof ConfigError) return EXIT.config;
  if (err instanceof ModelError) return EXIT.model;
  if (err instanceof StreamError) return EXIT.stream;
  if (err instanceof StoreError) return EXIT.store;
  if (err instanceof UplinkError) return EXIT.uplink;
  return EXIT.failure;
}

/** The one sentence printed for a fatal error: what failed, where, and what to do about it. */
export function fatalMessage(err: unknown): string {
  if (err instanceof ConfigError) return `invalid configuration in ${err.message}`;
  if (err instanceof ModelError) return `model problem: ${err.message}`;
  if (err instanceof StreamError) {
    const hint = err.kind === 'not-found' ? '; check the path in cameras[].source (or on the command line)' : '';
    return `video ${err.kind}: ${err.message}${hint}`;
  }
  if (err instanceof StoreError) return `${err.what} problem: ${err.message}`;
  if (err instanceof UplinkError) return `uplink problem: ${err.message}; check mqtt.urls and the files named in mqtt.tls (they must exist and be readable by this user)`;
  const errno = err as NodeJS.ErrnoException;
  if (err instanceof Error && typeof errno.code === 'string' && typeof errno.path === 'string') {
    return `cannot ${errno.syscall ?? 'use'} ${errno.path} (${errno.code}): ${fileRemedy(errno.code)}`;
  }
  return `unexpected error: ${err instanceof Error ? err.message : String(err)}`;
}

/** Prints a fatal error as one clear message (a stack only when asked for) and returns its exit code. */
export function reportFatal(err: unknown): number {
  let text = `edge-agent: ${fatalMessage(err)}\n`;
  if (stacksWanted()) text += `${detail(err)}\n`;
  else if (exitCodeOf(err) === EXIT.failure) text += 'edge-agent: set EDGE_AGENT_DEBUG=1 (or logging.level: debug) to see where it happened\n';
  // Error text may echo a URI or a secret (GStreamer and mqtt.js quote what they were given).
  process.stderr.write(redactUri(text));
  return exitCodeOf(err);
}

function fileRemedy(code: string): string {
  if (code === 'EACCES' || code === 'EPERM') return 'the user this runs as may not use it; check its owner and mode';
  if (code === 'EROFS') return 'the file system is read-only here (under systemd: only the state directory is writable)';
  if (code === 'ENOENT') return 'it does not exist; check the path';
  if (code === 'ENOSPC') return 'the disk is full';
  return 'check the path, its owner and mode';
}

/** Stack and the chain of causes, for EDGE_AGENT_DEBUG. */
function detail(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err, depth = 0; e !== undefined && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    parts.push(e instanceof Error ? (e.stack ?? e.message) : String(e));
  }
  return parts.join('\ncaused by: ');
}
