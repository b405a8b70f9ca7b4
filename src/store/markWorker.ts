import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../log/logger.js';
import type { PublishedRef } from './outbox.js';

// PUBACKs recorded on a second SQLite connection in a worker thread. Marking a row published is
// the costliest step of draining a backlog (a row update, its index and the stats triggers); on
// the event loop it held back the publishing itself. The marks are the same statements, in the
// same relaxed durability (see Outbox.relaxed): a mark lost to a crash only means a duplicate.
// The thread runs at the lowest priority: on a small gateway its commits otherwise take the core
// the broker connection and the publishing need, and a drain ran at 0.7 of its speed with them.
// A worker starved for long slows the drain instead (the publisher waits when it falls behind).

/** Which statements of statements.ts record a batch: sent (e2e), delivered (kept), or deleted. */
export type MarkKind = 'markSent' | 'markDelivered' | 'deleteRefs';

/**
 * A batch of PUBACKs as committed: runs of consecutive sequence numbers ([first, last, first,
 * last, ...]; a drained backlog is one run per batch, one cheap range update) and the summary rows,
 * which are matched by alert id as well (JSON [seq, id] pairs, usually none).
 */
export interface MarkBatch {
  runs: number[];
  summaries: string | undefined;
}

export function markBatch(refs: readonly PublishedRef[]): MarkBatch {
  const seqs: number[] = [];
  const summaries: [number, string][] = [];
  for (const r of refs) {
    if (r.summary) summaries.push([r.seq, r.id]);
    else seqs.push(r.seq);
  }
  seqs.sort((a, b) => a - b);
  const runs: number[] = [];
  for (const seq of seqs) {
    if (runs.length > 0 && seq <= runs[runs.length - 1]! + 1) runs[runs.length - 1] = Math.max(seq, runs[runs.length - 1]!);
    else runs.push(seq, seq);
  }
  return { runs, summaries: summaries.length > 0 ? JSON.stringify(summaries) : undefined };
}

/** Commits a batch with the statements of `kind` (the worker below does the same). */
export function applyMarks(st: Record<MarkKind | `${MarkKind}Run`, { run(...args: unknown[]): unknown }>, kind: MarkKind, ts: number, b: MarkBatch): void {
  for (let i = 0; i < b.runs.length; i += 2) st[`${kind}Run`].run(ts, b.runs[i], b.runs[i + 1]);
  if (b.summaries !== undefined) st[kind].run(ts, b.summaries);
}

// CommonJS, evaluated in the worker: no file to find, whether the agent runs from dist or source.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.path, { timeout: 5000 });
db.pragma('synchronous = NORMAL');
// The lowest priority, for this thread only (Linux: a thread id is a pid to setpriority).
try { require('node:os').setPriority(Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop()), 19); } catch {}
const st = {};
for (const [k, sql] of Object.entries(workerData.sql)) st[k] = db.prepare(sql);
parentPort.on('message', (m) => {
  if (m === 'close') { db.close(); parentPort.close(); return; }
  try {
    db.transaction(() => {
      const runs = m.batch.runs;
      for (let i = 0; i < runs.length; i += 2) st[m.kind + 'Run'].run(m.ts, runs[i], runs[i + 1]);
      if (m.batch.summaries !== undefined) st[m.kind].run(m.ts, m.batch.summaries);
    }).immediate();
    parentPort.postMessage({ n: m.n });
  } catch (err) {
    parentPort.postMessage({ n: m.n, err: String(err && err.message || err) });
  }
});
`;

export class MarkWorker {
  private readonly worker: Worker;
  private posted = 0;
  private done = 0;
  private waiters: (() => void)[] = [];
  /** Batches the worker could not record; their rows stay pending and go again. */
  failures = 0;
  /** False once the worker died: the outbox then records PUBACKs itself. */
  alive = true;

  /** `sql`: the statements by name, as prepared on the agent's own connection (Statement.source). */
  constructor(path: string, sql: Record<string, string>, private readonly log: Logger) {
    this.worker = new Worker(WORKER, { eval: true, workerData: { path, sql, module: createRequire(import.meta.url).resolve('better-sqlite3') } });
    // Held by the event loop only while batches are outstanding: an idle worker must not keep the
    // process alive, and a busy one must (a stop awaiting its last commit would otherwise see the
    // loop run dry and Node exit with 13, "unsettled top-level await").
    this.worker.unref();
    this.worker.on('message', (m: { n: number; err?: string }) => {
      this.done = m.n;
      if (this.idle) this.worker.unref();
      if (m.err) {
        this.failures++;
        this.log.warn({ err: m.err, failures: this.failures }, 'PUBACKs not recorded; those rows go again (the centre drops the duplicates)');
      }
      if (this.idle) this.waiters.splice(0).forEach((w) => w());
    });
    this.worker.on('error', (err) => {
      this.log.error({ err: err.message }, 'outbox mark worker failed; PUBACKs are recorded on the main connection');
      this.alive = false;
      this.done = this.posted;
      this.waiters.splice(0).forEach((w) => w());
    });
  }

  /** Batches posted and not yet committed. */
  get behind(): number {
    return this.posted - this.done;
  }

  /** True when every batch posted has been committed (or has failed). */
  get idle(): boolean {
    return this.done === this.posted;
  }

  mark(kind: MarkKind, ts: number, batch: MarkBatch): void {
    if (this.idle) this.worker.ref();
    this.worker.postMessage({ n: ++this.posted, kind, ts, batch });
  }

  /** Resolves once every batch posted so far is committed. */
  settled(): Promise<void> {
    return this.idle ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Waits for the batches posted, then closes the worker's connection. */
  async close(): Promise<void> {
    await this.settled();
    if (!this.alive) return;
    this.alive = false;
    const exited = new Promise((resolve) => this.worker.once('exit', resolve));
    this.worker.ref();
    this.worker.postMessage('close');
    await exited;
  }

  /** At once, for a close that cannot wait: batches not yet committed are sent again later. */
  terminate(): void {
    this.alive = false;
    this.worker.terminate().catch(() => undefined);
  }
}
