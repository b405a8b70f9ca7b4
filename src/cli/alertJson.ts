import { snakeKeys } from '../config/keys.js';
import type { Alert } from '../types.js';

/** An alert as a technician reads it on the command line: snake_case keys, ISO time, no empty fields. */
export function alertJson(a: Alert): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: a.id,
    time: new Date(a.ts).toISOString(),
    camera: a.cameraId,
    rule: a.rule,
    kind: a.kind,
    type: a.type,
    class: a.class,
    label: a.label,
    score: a.score,
    track_id: a.trackId,
    zone: a.zone,
    line: a.line,
    box: a.box && [a.box.x1, a.box.y1, a.box.x2, a.box.y2].map((v) => Math.round(v * 1000) / 1000),
    data: a.data && snakeKeys(a.data),
    snapshot: a.snapshot,
  };
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined));
}
