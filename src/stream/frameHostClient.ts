import { fork, type ChildProcess } from 'node:child_process';
import { StreamError } from '../errors.js';
import type { Frame } from '../types.js';
import type { FrameSource } from './frameSource.js';
import type { HostReply, HostRequest } from './frameHostProtocol.js';
import { isLiveUri } from './pipelineSpec.js';
import type { GstSourceOptions } from './gstFrameSource.js';

/** libuv's pool may not be larger than this. */
const MAX_POOL = 1024;

/** Opening a pipeline only builds and starts it; connecting happens after. */
const OPEN_TIMEOUT_MS = 20_000;
/** Beyond a source's stall timeout, how long the host may take to say so. */
const ANSWER_MARGIN_MS = 5_000;
/** How long a source's preflight (e.g. the RTSP authentication check) may take. */
export const PREFLIGHT_TIMEOUT_MS = 5_000;

/**
 * The longest a hosted source can go without a frame before it fails with a StreamError: between two
 * frames, the stall timeout and the host's margin; while starting, the preflight and the host's
 * answer to 'open' come first. The agent's health probe calls a camera stuck only beyond this.
 */
export function sourceRecoveryMs(stallTimeoutS: number, state: 'starting' | 'online' | string): number {
  const frame = stallTimeoutS * 1000 + ANSWER_MARGIN_MS;
  return state === 'starting' ? PREFLIGHT_TIMEOUT_MS + OPEN_TIMEOUT_MS + frame : frame;
}

/** Frame hosts with a live child: killed when this process exits, however it exits. */
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** A request waiting for its reply, and the host process it was sent to. */
interface Waiter {
  child: ChildProcess;
  answer(reply: HostReply | StreamError): void;
}

/**
 * The agent's side of the frame host (frameHost.ts): starts the child process on first use, routes
 * replies to sources, and fails every waiting source with a StreamError when the child dies, so the
 * stream watchdogs restart them (a new child is started on the next open).
 */
export class FrameHost {
  private child: ChildProcess | undefined;
  private nextId = 1;
  private readonly waiting = new Map<number, Waiter>();
  private closed = false;

  /** `maxSources`: open sources at once (sizes the child's thread pool: a pull and a bus poll each). */
  constructor(private readonly maxSources: number) {}

  /**
   * A FrameSource whose pipeline runs in the host. `preflight`, when given, runs before each start
   * and returns why the stream must not be opened (e.g. the camera would get its password in clear).
   */
  source(options: GstSourceOptions, preflight?: () => Promise<string | undefined>): HostedFrameSource {
    return new HostedFrameSource(this, this.nextId++, options, preflight);
  }

  /** Ends the child process. Idempotent; sources still open get a StreamError. */
  close(): void {
    this.closed = true;
    this.child?.kill('SIGKILL');
    this.child = undefined;
  }

  /**
   * Sends one request and waits for its reply (one outstanding request per source id). A host that
   * does not answer within `timeoutMs` is wedged — GStreamer 1.22's rtspsrc can block the thread
   * that stops a pipeline for ever, after a stream's end — and is killed: every waiting source gets
   * a StreamError, and the watchdogs reopen the streams in a new host.
   */
  request(req: HostRequest, timeoutMs: number): Promise<HostReply> {
    return new Promise((resolve, reject) => {
      const child = this.ensureChild();
      const timer = setTimeout(() => {
        this.waiting.delete(req.id);
        reject(new StreamError('pipeline', `the video decoding process did not answer for ${Math.round(timeoutMs / 1000)} s; restarting it`));
        if (this.child === child) this.child = undefined;
        child.kill('SIGKILL'); // its exit fails the other waiting sources
      }, timeoutMs);
      this.waiting.set(req.id, {
        child,
        answer: (r) => {
          clearTimeout(timer);
          if (r instanceof StreamError) reject(r);
          else resolve(r);
        },
      });
      child.send(req);
    });
  }

  /** Sends without waiting (stop). A source's waiting request is answered with 'end'. */
  tell(req: HostRequest): void {
    const waiter = this.waiting.get(req.id);
    this.waiting.delete(req.id);
    waiter?.answer({ op: 'end', id: req.id });
    if (this.child?.connected) this.child.send(req);
  }

  private ensureChild(): ChildProcess {
    if (this.closed) throw new StreamError('pipeline', 'the agent is stopping');
    if (this.child?.connected) return this.child;
    const ts = import.meta.url.endsWith('.ts'); // run from sources (tests): tsx loads the child
    const pool = Math.min(MAX_POOL, 3 * this.maxSources + 4);
    const child = fork(new URL(`./frameHost.${ts ? 'ts' : 'js'}`, import.meta.url), [], {
      serialization: 'advanced',
      execArgv: ts ? ['--import', 'tsx'] : [],
      env: { ...process.env, UV_THREADPOOL_SIZE: String(pool) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    child.on('message', (r: HostReply) => {
      const waiter = this.waiting.get(r.id);
      if (waiter?.child !== child) return; // a late answer from a host already replaced
      this.waiting.delete(r.id);
      waiter.answer(r);
    });
    running.add(child);
    child.on('exit', (code, signal) => {
      running.delete(child);
      if (this.child === child) this.child = undefined;
      const err = new StreamError('pipeline', `the video decoding process ended (${signal ?? `exit code ${code}`}); restarting the streams`);
      for (const [id, waiter] of this.waiting) {
        if (waiter.child !== child) continue; // sent to a newer host
        this.waiting.delete(id);
        waiter.answer(err);
      }
    });
    child.on('error', () => undefined); // 'exit' follows and reports it
    this.child = child;
    return child;
  }
}

/** One camera's stream, decoded in the frame host. Same contract as every FrameSource. */
export class HostedFrameSource implements FrameSource {
  readonly live: boolean;
  /** Decoder element GStreamer chose, once known. */
  decoderName: string | undefined;
  /** Frames the camera delivered at the detect rate since start (rate limiter's count), when known. */
  offered = 0;
  private stopped = false;

  constructor(
    private readonly host: FrameHost,
    private readonly id: number,
    private readonly options: GstSourceOptions,
    private readonly preflight?: () => Promise<string | undefined>,
  ) {
    this.live = isLiveUri(options.uri);
  }

  async start(): Promise<void> {
    const refused = await this.preflight?.();
    if (refused) throw new StreamError('connection', refused);
    const r = await this.host.request({ op: 'open', id: this.id, options: this.options }, OPEN_TIMEOUT_MS);
    if (r.op === 'failed') throw new StreamError(r.kind, r.message);
  }

  async next(): Promise<Frame | null> {
    if (this.stopped) return null;
    // The host's own stall timer answers within stall_timeout_s; beyond that it is wedged.
    const r = await this.host.request({ op: 'next', id: this.id }, this.options.stallTimeoutS * 1000 + ANSWER_MARGIN_MS);
    if (r.op === 'failed') throw new StreamError(r.kind, r.message);
    if (r.op !== 'frame') return null;
    if (r.offered !== undefined) this.offered = r.offered;
    this.decoderName ??= r.decoder;
    return r.frame;
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.host.tell({ op: 'stop', id: this.id });
  }
}
