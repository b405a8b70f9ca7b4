import { Worker } from 'node:worker_threads';
import type { Box, Frame } from '../types.js';
import type { SnapshotJob, SnapshotResult } from './snapshotWorker.js';

let worker: Worker | undefined;
let nextId = 1;
const waiting = new Map<number, { resolve(b: Buffer): void; reject(e: Error): void }>();

/** The compiled worker: from sources (tests), the build in dist/ (scripts/setup builds it). */
function workerUrl(): URL {
  return import.meta.url.endsWith('.ts')
    ? new URL('../../dist/src/track/snapshotWorker.js', import.meta.url)
    : new URL('./snapshotWorker.js', import.meta.url);
}

function ensureWorker(): Worker {
  if (worker) return worker;
  const w = new Worker(workerUrl());
  w.on('message', (r: SnapshotResult) => {
    const job = waiting.get(r.id);
    waiting.delete(r.id);
    if ('error' in r) job?.reject(new Error(r.error));
    else job?.resolve(Buffer.from(r.jpeg.buffer, r.jpeg.byteOffset, r.jpeg.byteLength));
  });
  const fail = (err: Error) => {
    if (worker === w) worker = undefined;
    for (const job of waiting.values()) job.reject(err);
    waiting.clear();
  };
  w.on('error', fail);
  w.on('exit', (code) => fail(new Error(`snapshot worker exited (${code})`)));
  w.unref(); // idle, it must not keep the process alive
  worker = w;
  return w;
}

/**
 * Encodes a snapshot JPEG on the snapshot worker thread. The frame's pixels are copied to the
 * worker; the caller may reuse the buffer once this returns.
 */
export function encodeInWorker(frame: Frame, box: Box | undefined, maxWidth: number, quality: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const id = nextId++;
    waiting.set(id, { resolve, reject });
    const job: SnapshotJob = { id, frame: { data: frame.data, width: frame.width, height: frame.height }, box, maxWidth, quality };
    const w = ensureWorker();
    w.ref(); // work pending: wait for it
    w.postMessage(job);
  }).finally(() => {
    if (waiting.size === 0) worker?.unref();
  }) as Promise<Buffer>;
}

const tasks = new Set<Promise<unknown>>();

/** Registers a snapshot's whole save (encode, write, evict) so that snapshotsIdle() waits for it. */
export function trackSnapshot(task: Promise<unknown>): void {
  tasks.add(task);
  task.finally(() => tasks.delete(task)).catch(() => undefined); // the task catches its own errors
}

/** Resolves once every snapshot asked for so far is written (or failed). */
export async function snapshotsIdle(): Promise<void> {
  while (tasks.size > 0) await Promise.allSettled([...tasks]);
}
