import type { CameraHealth } from '../health/cameraHealth.js';
import type { SystemHealth } from '../health/systemHealth.js';
import { CLASSES, type OutboxStatus } from '../store/outboxTypes.js';
import type { KeyObject } from 'node:crypto';
import { fingerprint, publicKeyText } from '../verify/keys.js';
import type { PublisherCounters } from './publisher.js';
import type { SignedInbox } from './signedInbox.js';

// Bodies of the health, info and camera status messages, and the gate for the centre's end-to-end ack. Operator-facing,
// so snake_case keys; health is periodic and small enough not to need the alert's short keys.

export function healthBody(
  system: SystemHealth,
  cameras: Record<string, CameraHealth>,
  outbox: OutboxStatus,
  publisher: PublisherCounters | undefined,
  uncommitted = 0,
): Record<string, unknown> {
  const now = Date.now();
  const oldest = Math.min(...CLASSES.map((c) => outbox.classes[c].oldestTs ?? now));
  return {
    ts: now,
    ...system,
    cameras: Object.fromEntries(
      Object.entries(cameras).map(([id, c]) => [id, cameraHealthJson(c)]),
    ),
    outbox: {
      depth: outbox.depth,
      oldest_age_s: Math.round((now - oldest) / 1000),
      bytes: outbox.fileBytes,
      evicted: Object.fromEntries(CLASSES.map((c) => [c, outbox.classes[c].evictedRows])),
      uncommitted,
    },
    ...(publisher ? { published: publisher.published, historical: publisher.historical } : {}),
  };
}

function cameraHealthJson(c: CameraHealth): Record<string, unknown> {
  return {
    fps: Math.round(c.fps * 10) / 10,
    ...(c.offeredFps !== undefined ? { offered_fps: c.offeredFps } : {}),
    skipped: c.skipped,
    ...(c.dropped !== undefined ? { dropped: c.dropped } : {}),
    ...(c.inferred !== undefined ? { inferred: c.inferred } : {}),
    reconnects: c.reconnects,
    ...(c.state ? { state: c.state } : {}),
  };
}

// An ack of this size names about 2 000 sequence numbers; a larger one is refused before its
// signature is checked or its JSON parsed, and the centre acks in batches anyway.
export const MAX_ACK_BYTES = 16 * 1024;

/** An ack the gateway may apply, or why not (a log message and the reason, if any). */
export type AckVerdict = { ack: { seqs?: number[]; upTo?: number }; beyondSent: boolean } | { refused: string; reason?: string };

/**
 * The gate for an end-to-end ack: refused unread when too large or retained, then it must be signed
 * by the centre (fresh, nonce unseen, see SignedInbox), and it is cut to the rows this process has
 * sent (`highestSent`): an ack cannot release what never went out.
 */
export function admitAck(inbox: SignedInbox, topic: string, payload: Buffer, retained: boolean, highestSent: number): AckVerdict {
  if (payload.length > MAX_ACK_BYTES) return { refused: `end-to-end ack over ${MAX_ACK_BYTES} bytes refused unread` };
  if (retained) return { refused: 'retained end-to-end ack ignored' };
  const body = inbox.open(topic, payload);
  if (typeof body === 'string') return { refused: 'end-to-end ack refused', reason: body };
  const ack = parseAck(body);
  if (!ack) return { refused: 'malformed end-to-end ack ignored' };
  const seqs = ack.seqs?.filter((q) => q <= highestSent);
  const upTo = ack.upTo === undefined ? undefined : Math.min(ack.upTo, highestSent);
  const beyondSent = (ack.upTo ?? 0) > highestSent || (seqs?.length ?? 0) < (ack.seqs?.length ?? 0);
  return { ack: { ...(seqs ? { seqs } : {}), ...(upTo !== undefined ? { upTo } : {}) }, beyondSent };
}

/** End-to-end ack body (signature already checked): {"seqs": [n, ...]} and/or {"up_to": n}; undefined when malformed. */
export function parseAck(o: Record<string, unknown>): { seqs?: number[]; upTo?: number } | undefined {
  const seqs = Array.isArray(o['seqs']) && o['seqs'].every((n) => Number.isSafeInteger(n) && (n as number) >= 0) ? (o['seqs'] as number[]) : undefined;
  const upTo = Number.isSafeInteger(o['up_to']) ? (o['up_to'] as number) : undefined;
  if (!seqs && upTo === undefined) return undefined;
  return { ...(seqs ? { seqs } : {}), ...(upTo !== undefined ? { upTo } : {}) };
}

/** The retained info body; the public key lets the centre notice a rotation (trust comes only from enrolment). */
export function infoBody(info: { version: string; cameras: string[]; models: { id: string; sha256: string }[]; configHash: string }, boot: number, key: KeyObject): string {
  const signing = { public_key: publicKeyText(key), fingerprint: fingerprint(key).full };
  return JSON.stringify({ version: info.version, boot, cameras: info.cameras, models: info.models, config_hash: info.configHash, signing, ts: Date.now() });
}

/**
 * The retained camera status: state, the figures the caller gives, and the kind of the error
 * ('connection', 'stalled', ...) — never its text, which may quote a URI or a camera's reply.
 */
export function cameraStatusBody(cameraId: string, status: { state: string; error?: unknown; [figure: string]: unknown }): string {
  const { state, error, ...figures } = status;
  const kind = error === undefined || error === null ? undefined : errorKind(error);
  return JSON.stringify({ ...figures, camera: cameraId, state, ...(kind ? { error: kind } : {}), ts: Date.now() });
}

/** The kind of an error as a short word ('connection', 'stalled', ...); 'error' when it has none. */
function errorKind(error: unknown): string {
  const kind = typeof error === 'object' ? (error as { kind?: unknown }).kind : undefined;
  return typeof kind === 'string' && /^[a-z][a-z-]{0,31}$/.test(kind) ? kind : 'error';
}
