import type { KeyObject } from 'node:crypto';
import { decode as cborDecode } from 'cborg';
import { checkPayload, parsePublicKey } from './keys.js';

// The centre's check of what gateways publish: signature, origin, place and order. Feed messages in
// arrival order; each gets a verdict, and gaps() lists the sequence numbers never seen, per gateway
// and boot. Topics are <prefix>/<province>/<commune>/<gateway>/<suffix...>.

export type Verdict =
  /** Signed by the gateway the topic names, over this topic and these bytes; first time seen. */
  | 'valid'
  /** Valid, but its sequence number was seen before with the same content: a redelivery (MQTT QoS 1
   *  is at-least-once; the gateway resends after a lost ack) or a copy replayed by a third party.
   *  Both are harmless to a receiver that keeps one message per (gateway, seq). */
  | 'duplicate'
  /** No or malformed signature, unknown gateway, or a signature no enrolled key made. */
  | 'forged'
  /** Reads as a message of the gateway its topic names (its id, boot and seq), but the signature does
   *  not match: bytes or topic changed on the way. */
  | 'altered'
  /** A genuine message in the wrong place: made by another gateway, or a sequence number already
   *  seen with other content. */
  | 'replayed'
  /** Not signed by design (retained state written by the broker as last will, raw snapshot JPEGs,
   *  the centre's own requests and acks): not judged. */
  | 'skipped';

export interface Report {
  topic: string;
  verdict: Verdict;
  gateway?: string;
  boot?: number;
  seq?: number;
  /** Why, when not valid. */
  reason?: string;
}

/** Sequence numbers missing between the lowest and highest seen, per gateway and boot. */
export interface Gap {
  gateway: string;
  boot: number;
  from: number;
  to: number;
}

const UNSIGNED = [/^state$/, /^camera\/[^/]+\/snapshot\/[^/]+$/, /^response\/snapshot\/.+$/, /^request\//, /^ack$/];

export class Verifier {
  private readonly seen = new Map<string, Map<number, string>>();
  /** Per gateway and boot: every seq that was seen, or accounted for by a signed dropped-range record. */
  private readonly seqs = new Map<string, Set<number>>();

  /** `keys`: gateway id → its enrolled public keys (more than one while a rotation is under way). */
  constructor(private readonly keys: ReadonlyMap<string, readonly KeyObject[]>) {}

  check(topic: string, payload: Uint8Array): Report {
    const levels = topic.split('/');
    if (levels.length < 5) return { topic, verdict: 'forged', reason: 'not a gateway topic' };
    const gateway = levels[3]!;
    const suffix = levels.slice(4).join('/');
    if (UNSIGNED.some((re) => re.test(suffix))) return { topic, verdict: 'skipped', gateway };
    const keys = this.keys.get(gateway);
    if (!keys || keys.length === 0) return { topic, verdict: 'forged', gateway, reason: 'no enrolled key for this gateway' };
    const result = checkPayload(keys, topic, payload);
    if (!result.ok) return this.badSignature(topic, levels, gateway, payload, result.reason, result.body);
    const body = decodeBody(result.body);
    if (!body) return { topic, verdict: 'forged', gateway, reason: 'signed payload does not decode' };
    if (body['g'] !== undefined && body['g'] !== gateway) return { topic, verdict: 'replayed', gateway, reason: `payload names gateway ${String(body['g'])}` };
    const q = body['q'];
    const bt = body['bt'];
    if (typeof q !== 'number' || typeof bt !== 'number') return { topic, verdict: 'valid', gateway };
    return this.sequenced(topic, gateway, bt, q, body);
  }

  /** Missing sequence numbers, per gateway and boot, between the lowest and highest seen. */
  gaps(): Gap[] {
    const out: Gap[] = [];
    for (const [key, set] of this.seqs) {
      const [gateway, boot] = splitKey(key);
      const sorted = [...set].sort((a, b) => a - b);
      for (let i = 1; i < sorted.length; i++) {
        if (sorted[i]! > sorted[i - 1]! + 1) out.push({ gateway, boot, from: sorted[i - 1]! + 1, to: sorted[i]! - 1 });
      }
    }
    return out;
  }

  private sequenced(topic: string, gateway: string, bt: number, q: number, body: Record<string, unknown>): Report {
    const base = { topic, gateway, boot: bt, seq: q };
    let known = this.seen.get(gateway);
    if (!known) this.seen.set(gateway, (known = new Map()));
    // A resend differs from the first copy only in the historical flag; the alert id stays.
    const identity = `${topic}\0${String(body['i'] ?? '')}\0${String(body['ts'] ?? '')}`;
    const before = known.get(q);
    if (before !== undefined) {
      return before === identity ? { ...base, verdict: 'duplicate' } : { ...base, verdict: 'replayed', reason: 'sequence number already used by another message' };
    }
    known.set(q, identity);
    const key = `${gateway}\0${bt}`;
    let set = this.seqs.get(key);
    if (!set) this.seqs.set(key, (set = new Set()));
    set.add(q);
    // An alert whose JPEG went out as the next row (p = 2): that seq is an unsigned JPEG, not a loss.
    if (body['p'] === 2) set.add(q + 1);
    // A dropped-range record accounts for the evicted alerts it names.
    const q0 = body['q0'];
    const q1 = body['q1'];
    if (body['k'] === 'outbox_dropped' && typeof q0 === 'number' && typeof q1 === 'number' && q1 - q0 < 1_000_000) {
      for (let s = q0; s <= q1; s++) set.add(s);
    }
    return { ...base, verdict: 'valid' };
  }

  private badSignature(topic: string, levels: string[], gateway: string, payload: Uint8Array, reason: string, body: Buffer | undefined): Report {
    const decoded = body ? decodeBody(body) : undefined;
    const g = decoded?.['g'];
    if (typeof g === 'string' && g !== gateway) {
      // Another gateway's genuine message moved under this gateway's topic?
      const original = [...levels.slice(0, 3), g, ...levels.slice(4)].join('/');
      const theirs = this.keys.get(g);
      if (theirs && checkPayload(theirs, original, payload).ok) {
        return { topic, verdict: 'replayed', gateway, reason: `a message of gateway ${g} published under ${gateway}` };
      }
    }
    if (decoded && g === gateway && typeof decoded['q'] === 'number') {
      return { topic, verdict: 'altered', gateway, seq: decoded['q'] as number, ...(typeof decoded['bt'] === 'number' ? { boot: decoded['bt'] } : {}), reason };
    }
    return { topic, verdict: 'forged', gateway, reason };
  }
}

function splitKey(key: string): [string, number] {
  const i = key.lastIndexOf('\0');
  return [key.slice(0, i), Number(key.slice(i + 1))];
}

/** The signed body as an object: JSON text or a CBOR map; undefined when it is neither. */
export function decodeBody(body: Buffer): Record<string, unknown> | undefined {
  try {
    const v: unknown = body[0] === 0x7b ? JSON.parse(body.toString('utf8')) : cborDecode(body);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Enrolled keys from text: one `<gateway id> <public key>` per line ('#' starts a comment). A gateway
 * may have several lines (old and new key during a rotation). Throws with the line number when a line
 * is not one; the caller names the file.
 */
export function parseKeyList(text: string): Map<string, KeyObject[]> {
  const out = new Map<string, KeyObject[]>();
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) return;
    const [gw, key, extra] = line.split(/\s+/);
    const parsed = key && !extra ? parsePublicKey(key) : undefined;
    if (!gw || !parsed) throw new Error(`line ${i + 1}: expected "<gateway id> <public key>"`);
    out.set(gw, [...(out.get(gw) ?? []), parsed]);
  });
  return out;
}
