import type { EventsConfig } from '../config/eventsSchema.js';
import type { Logger } from '../log/logger.js';
import type { Detection, Frame } from '../types.js';
import { EventStage, type EventStats } from './eventStage.js';

/** One frame of a recorded or synthetic detection sequence. */
export interface BenchFrame {
  /** Capture time, epoch ms. */
  ts: number;
  sourceWidth: number;
  sourceHeight: number;
  /** Detections in source pixels; null for a frame the motion gate skipped. */
  detections: Detection[] | null;
}

export interface EventBenchFigures {
  frames: number;
  /** Tracker + rules time per frame, ms (no motion gate, no snapshots, alerts collected in memory). */
  trackRulesMsPerFrame: number;
  stats: EventStats;
}

/** Times the event stage (tracker and rules) over a detection sequence, for `npm run bench`. */
export function benchEvents(sequence: readonly BenchFrame[], cfg: EventsConfig, log: Logger): EventBenchFigures {
  const stage = new EventStage(
    { ...cfg, snapshots: { ...cfg.snapshots, enabled: false } },
    { gatewayId: 'bench', cameraId: 'bench', modelId: 'bench', snapshotDir: '', snapshotMaxBytes: 0 },
    { emit: () => undefined },
    log,
  );
  const frame: Frame = { cameraId: 'bench', seq: 0, ts: 0, ptsMs: 0, sourceWidth: 1, sourceHeight: 1, data: Buffer.alloc(0), width: 0, height: 0 };
  const t0 = performance.now();
  for (const f of sequence) {
    frame.seq++;
    frame.ts = frame.ptsMs = f.ts;
    frame.sourceWidth = f.sourceWidth;
    frame.sourceHeight = f.sourceHeight;
    stage.onFrame(frame, f.detections);
  }
  const ms = performance.now() - t0;
  stage.stop();
  return { frames: sequence.length, trackRulesMsPerFrame: sequence.length ? ms / sequence.length : 0, stats: stage.stats() };
}
