// The snapshot worker thread: JPEG encoding takes tens of milliseconds per picture in JavaScript,
// too long for the event loop that carries frames, SQLite commits and MQTT. One worker serves all
// cameras; jobs and results are plain data.
import { parentPort } from 'node:worker_threads';
import type { Box, Frame } from '../types.js';
import { encodeSnapshot } from './snapshotEncode.js';

export interface SnapshotJob {
  id: number;
  frame: Pick<Frame, 'data' | 'width' | 'height'>;
  box: Box | undefined;
  maxWidth: number;
  quality: number;
}

export type SnapshotResult = { id: number; jpeg: Uint8Array } | { id: number; error: string };

parentPort?.on('message', (job: SnapshotJob) => {
  try {
    const jpeg = encodeSnapshot(job.frame as Frame, job.box, job.maxWidth, job.quality);
    parentPort!.postMessage({ id: job.id, jpeg } satisfies SnapshotResult);
  } catch (err) {
    parentPort!.postMessage({ id: job.id, error: err instanceof Error ? err.message : String(err) } satisfies SnapshotResult);
  }
});
