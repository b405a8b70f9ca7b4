import { Value } from '@sinclair/typebox/value';
import { EventsSchema, type EventsConfig } from '../../../src/config/eventsSchema.js';
import { createLogger } from '../../../src/log/logger.js';
import { EventStage } from '../../../src/track/eventStage.js';
import type { Alert, Detection, Frame } from '../../../src/types.js';

// Scripted scenes use a 1000×1000 source so that pixel positions read as thousandths of the frame.
export const SRC = 1000;

/** Events config as the loader would produce it: operator input (camelCase) with every default filled. */
export function eventsConfig(input: Record<string, unknown> = {}): EventsConfig {
  const cfg = Value.Default(EventsSchema, structuredClone(input)) as EventsConfig;
  if (!Value.Check(EventsSchema, cfg)) throw new Error(`bad test config: ${[...Value.Errors(EventsSchema, cfg)].map((e) => `${e.path} ${e.message}`).join('; ')}`);
  return cfg;
}

export function det(label: string, x: number, y: number, w: number, h: number, score = 0.9): Detection {
  return { label, classId: 0, score, box: { x1: x, y1: y, x2: x + w, y2: y + h } };
}

export function frame(ts: number, grey?: Buffer, greyW = 16, greyH = 12): Frame {
  return {
    cameraId: 'cam-1', seq: Math.round(ts / 100), ts, ptsMs: ts, sourceWidth: SRC, sourceHeight: SRC,
    data: Buffer.alloc(8 * 8 * 3, 90), width: 8, height: 8,
    ...(grey ? { grey: { data: grey, width: greyW, height: greyH } } : {}),
  };
}

export const silentLog = createLogger('silent');

/** A stage with snapshots and health off unless the config turns them on, collecting alerts. */
export function stage(input: Record<string, unknown>): { stage: EventStage; alerts: Alert[] } {
  const alerts: Alert[] = [];
  const cfg = eventsConfig({ snapshots: { enabled: false }, health: { enabled: false }, ...input });
  const s = new EventStage(
    cfg,
    { gatewayId: 'gw-1', cameraId: 'cam-1', modelId: 'yolox-nano-int8', snapshotDir: '/nonexistent', snapshotMaxBytes: 1e6 },
    { emit: (a) => alerts.push(a) },
    silentLog,
  );
  return { stage: s, alerts };
}

/** Feeds `n` frames `stepMs` apart from `t0`; `dets(i, ts)` gives each frame's detections. */
export function run(s: EventStage, t0: number, n: number, stepMs: number, dets: (i: number, ts: number) => Detection[] | null): number {
  let ts = t0;
  for (let i = 0; i < n; i++) {
    ts = t0 + i * stepMs;
    s.onFrame(frame(ts), dets(i, ts));
  }
  return ts;
}

/** The fields a test asserts on, without ids and timestamps noise. */
export function brief(a: Alert): Record<string, unknown> {
  return { rule: a.rule, kind: a.kind, type: a.type, class: a.class, trackId: a.trackId, label: a.label, zone: a.zone, line: a.line };
}
