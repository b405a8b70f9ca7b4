import type { KeyObject } from 'node:crypto';
import { checkPayload, decodeBody } from '../verify/index.js';
import type { AlertRow, Received } from './centralStore.js';

// Every message from the broker is parsed here, once, at the edge: its topic, its signature by the
// gateway the topic names, its body. The result is plain data; nothing here throws on input.

export type Inbound =
  /** The retained, unsigned state (or the broker's last will): a hint, not proof. */
  | { kind: 'state'; gateway: string; base: string; online: boolean; boot?: number; ts?: number }
  /** A signed camera status. */
  | { kind: 'camera'; gateway: string; base: string; camera: string; online: boolean; error?: string }
  /** A signed message with a sequence number: to commit and ack. */
  | { kind: 'sequenced'; message: Received }
  /** Signed and valid, nothing to store (info, responses). */
  | { kind: 'signed'; gateway: string; base: string }
  /** Not ours to judge: requests and acks (ours), raw snapshot JPEGs. */
  | { kind: 'ignored' }
  | { kind: 'rejected'; reason: string; gateway?: string };

const IGNORED = [/^request\//, /^ack$/, /^camera\/[^/]+\/snapshot\//, /^response\/snapshot\//];
const ALERT_TOPIC = /^(camera\/([^/]+)\/(alert|count)\/[^/]+|alert\/dropped)$/;
const MAX_STATE_BYTES = 1024;

export function parseInbound(topic: string, payload: Buffer, keys: ReadonlyMap<string, readonly KeyObject[]>, prefix: string, now: number): Inbound {
  const levels = topic.split('/');
  if (levels.length < 5 || levels[0] !== prefix || levels.slice(0, 4).some((l) => l === '')) return { kind: 'rejected', reason: 'not a gateway topic' };
  const [, province, commune, gateway] = levels as [string, string, string, string];
  const base = levels.slice(0, 4).join('/');
  const suffix = levels.slice(4).join('/');
  if (IGNORED.some((re) => re.test(suffix))) return { kind: 'ignored' };
  const gatewayKeys = keys.get(gateway);
  // Also for the unsigned state: anyone may publish one, and only enrolled gateways are followed.
  if (!gatewayKeys || gatewayKeys.length === 0) return { kind: 'rejected', reason: 'no enrolled key for this gateway', gateway };
  if (suffix === 'state') return parseState(gateway, base, payload);
  const checked = checkPayload(gatewayKeys, topic, payload);
  if (!checked.ok) return { kind: 'rejected', reason: checked.reason, gateway };
  const body = decodeBody(checked.body);
  if (!body) return { kind: 'rejected', reason: 'signed payload does not decode', gateway };
  if (body['g'] !== undefined && body['g'] !== gateway) return { kind: 'rejected', reason: 'payload names another gateway', gateway };
  const camera = /^camera\/([^/]+)\/status$/.exec(suffix);
  if (camera) return { kind: 'camera', gateway, base, camera: camera[1]!, online: body['state'] === 'online', ...(typeof body['error'] === 'string' ? { error: body['error'] } : {}) };
  const q = body['q'];
  const bt = body['bt'];
  if (!isSeq(q) || !isSeq(bt)) return { kind: 'signed', gateway, base };
  const ts = typeof body['ts'] === 'number' && Number.isFinite(body['ts']) ? body['ts'] : undefined;
  const message: Received = { gateway, base, province, commune, boot: bt, seqFrom: q, seqTo: q, receivedTs: now, ...(ts !== undefined ? { ts } : {}) };
  // A dropped-range record accounts for the evicted sequence numbers it names (q is q0).
  if (body['k'] === 'outbox_dropped' && isSeq(body['q0']) && isSeq(body['q1']) && body['q0'] === q && body['q1'] >= q) message.seqTo = body['q1'];
  const alertTopic = ALERT_TOPIC.exec(suffix);
  if (alertTopic && typeof body['i'] === 'string' && body['i'].length > 0 && body['i'].length <= 256) {
    message.alert = alertRow(body, message, topic, alertTopic[2] ?? null);
  }
  return { kind: 'sequenced', message };
}

function alertRow(body: Record<string, unknown>, m: Received, topic: string, camera: string | null): AlertRow {
  const { sg: _sg, ...rest } = body;
  return {
    id: body['i'] as string,
    gateway: m.gateway,
    province: m.province,
    commune: m.commune,
    camera,
    kind: typeof body['k'] === 'string' ? body['k'] : null,
    seq: m.seqFrom,
    boot: m.boot,
    ts: m.ts ?? null,
    receivedTs: m.receivedTs,
    topic,
    body: JSON.stringify(rest),
  };
}

function parseState(gateway: string, base: string, payload: Buffer): Inbound {
  if (payload.length > MAX_STATE_BYTES) return { kind: 'rejected', reason: 'state message too large', gateway };
  let v: unknown;
  try {
    v = JSON.parse(payload.toString('utf8'));
  } catch {
    return { kind: 'rejected', reason: 'state is not JSON', gateway };
  }
  if (!v || typeof v !== 'object') return { kind: 'rejected', reason: 'state is not an object', gateway };
  const s = v as Record<string, unknown>;
  if (s['state'] !== 'online' && s['state'] !== 'offline') return { kind: 'rejected', reason: 'state is neither online nor offline', gateway };
  return { kind: 'state', gateway, base, online: s['state'] === 'online', ...(isSeq(s['boot']) ? { boot: s['boot'] } : {}), ...(isSeq(s['ts']) ? { ts: s['ts'] } : {}) };
}

function isSeq(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}
