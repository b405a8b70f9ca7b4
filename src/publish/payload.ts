import { decode as cborDecode, encode as cborEncode } from 'cborg';
import type { DroppedRange, OutboxRecord, OutboxRow } from '../store/outboxTypes.js';
import { snakeKeys } from '../config/keys.js';
import type { Alert } from '../types.js';
import { TOPIC, alertTopic } from './topics.js';

// Wire format of outbox messages. Alert payloads use one- or two-letter keys because a thin uplink
// pays per byte; docs/mqtt.md holds the key table. The outbox stores the compact JSON; seq, boot,
// gateway id and the historical flag are added at publish time, and then the signature (see
// src/verify/envelope.ts): signed, the id, boot and seq tie the message to one gateway and place.

export type PayloadFormat = 'json' | 'cbor';

const TYPE_CODE = { instant: 'i', start: 's', end: 'e' } as const;

const round = (v: number, places: number) => Math.round(v * 10 ** places) / 10 ** places;

/**
 * Compact payload object of an alert (without seq, boot, historical flag). `snapshotFollows`: its
 * JPEG goes out as the next outbox row (publish_snapshots), so a receiver knows that row's seq is
 * taken by an unsigned JPEG, not by a lost message.
 */
export function compactAlert(a: Alert, snapshotFollows = false): Record<string, unknown> {
  const o: Record<string, unknown> = { i: a.id, c: a.cameraId, r: a.rule, k: a.kind, y: TYPE_CODE[a.type], ts: a.ts };
  if (a.label !== undefined) o['l'] = a.label;
  if (a.score !== undefined) o['s'] = round(a.score, 2);
  if (a.box) o['b'] = [a.box.x1, a.box.y1, a.box.x2, a.box.y2].map((v) => round(v, 3));
  if (a.trackId !== undefined) o['t'] = a.trackId;
  if (a.zone !== undefined) o['z'] = a.zone;
  if (a.line !== undefined) o['n'] = a.line;
  if (a.modelId !== undefined) o['m'] = a.modelId;
  // Only a flag: the JPEG itself goes on its own topic (2) or on request (1), never inside the alert.
  if (a.snapshot !== undefined) o['p'] = snapshotFollows ? 2 : 1;
  // Rule figures are camelCase in code; on the wire, like every operator-facing key, snake_case.
  if (a.data !== undefined) o['d'] = snakeKeys(a.data);
  return o;
}

/** The outbox record of an alert; see compactAlert for `snapshotFollows`. */
export function alertRecord(a: Alert, snapshotFollows = false): OutboxRecord {
  return { id: a.id, class: a.class, ts: a.ts, topic: alertTopic(a), body: JSON.stringify(compactAlert(a, snapshotFollows)), file: a.snapshot };
}

/** The low-priority record that carries an alert's snapshot file (read when it is published). */
export function snapshotRecord(a: Alert & { snapshot: string }): OutboxRecord {
  return { id: `${a.id}.jpg`, class: 'snapshot', ts: a.ts, topic: TOPIC.snapshot(a.cameraId, a.id), body: JSON.stringify({ i: a.id }), file: a.snapshot };
}

/** The record that stands for evicted alerts: how many, which time range, which sequence numbers. */
export function droppedRecord(gateway: string, d: DroppedRange): OutboxRecord {
  return {
    id: `${gateway}-dropped-${d.firstSeq}-${d.count}`,
    class: 'alert',
    ts: d.fromTs,
    topic: TOPIC.dropped,
    body: JSON.stringify({ i: `${gateway}-dropped-${d.firstSeq}-${d.count}`, k: 'outbox_dropped', n: d.count, f: d.fromTs, u: d.toTs, q0: d.firstSeq, q1: d.lastSeq }),
  };
}

/**
 * Encodes a stored row for the wire. JSON splices the envelope into the stored text instead of
 * parsing it: the drain loop runs this for every row of a backlog.
 */
export function encodeRow(row: OutboxRow, historical: boolean, format: PayloadFormat, gateway: string): Buffer {
  if (format === 'cbor') {
    const body = JSON.parse(row.body) as Record<string, unknown>;
    return Buffer.from(cborEncode({ q: row.seq, bt: row.boot, g: gateway, ...(historical ? { h: 1 } : {}), ...body }));
  }
  const head = `{"q":${row.seq},"bt":${row.boot},"g":${JSON.stringify(gateway)}${historical ? ',"h":1' : ''}`;
  return Buffer.from(row.body.length > 2 ? `${head},${row.body.slice(1)}` : `${head}}`);
}

/** Decodes a payload made by encodeRow (for receivers, tests and tools). */
export function decodePayload(buf: Uint8Array, format: PayloadFormat): Record<string, unknown> {
  if (format === 'cbor') return cborDecode(buf) as Record<string, unknown>;
  return JSON.parse(Buffer.from(buf).toString('utf8')) as Record<string, unknown>;
}

/** Encodes a telemetry object (health) in the configured format. */
export function encodeObject(obj: Record<string, unknown>, format: PayloadFormat): Buffer {
  return format === 'cbor' ? Buffer.from(cborEncode(obj)) : Buffer.from(JSON.stringify(obj));
}
