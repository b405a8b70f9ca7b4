// The signature envelope shared by the gateway and the centre. This folder imports nothing from the
// rest of the agent (only node:crypto), so the central application may vendor it as it is.
//
// A signed message is the original payload with one more field, "sg", appended last: the Ed25519
// signature (64 bytes) over DOMAIN ‖ topic ‖ 0x00 ‖ the payload as it was before the field was added.
// MQTT 3.1.1 bridges drop MQTT 5 properties, so the signature has to travel inside the payload.
//   JSON:  {"q":7,...}              →  {"q":7,...,"sg":"<86 base64url characters>"}
//   CBOR:  map of n entries         →  map of n+1 entries, "sg" (a 64-byte byte string) last
// A receiver removes the field again to get the exact signed bytes, without re-encoding anything.

/** Prefix of every signed message, so a signature made for this format means nothing elsewhere. */
export const DOMAIN = Buffer.from('edge-agent/sig/v1\0');

export type EnvelopeFormat = 'json' | 'cbor';

/** The bytes a signature covers: the domain, the full topic and the payload without its signature. */
export function signedBytes(topic: string, body: Uint8Array): Buffer {
  return Buffer.concat([DOMAIN, Buffer.from(topic, 'utf8'), Buffer.from([0]), body]);
}

const JSON_TAIL = 95; // ,"sg":" + 86 + "}
const JSON_SIG = /,"sg":"([A-Za-z0-9_-]{86})"}$/;
// CBOR text "sg" (0x62 0x73 0x67), then a byte string of 64 bytes (0x58 0x40).
const CBOR_SIG_HEAD = Buffer.from([0x62, 0x73, 0x67, 0x58, 0x40]);
const CBOR_TAIL = CBOR_SIG_HEAD.length + 64;

/** Adds the signature to a JSON object text or a CBOR map. Throws on anything else (a programming error). */
export function seal(body: Buffer, signature: Uint8Array): Buffer {
  if (signature.length !== 64) throw new Error('an Ed25519 signature has 64 bytes');
  const sig = Buffer.from(signature);
  if (body[0] === 0x7b && body[body.length - 1] === 0x7d) {
    const sep = body.length > 2 ? ',' : '';
    return Buffer.concat([body.subarray(0, body.length - 1), Buffer.from(`${sep}"sg":"${sig.toString('base64url')}"}`)]);
  }
  const head = mapHeader(body);
  if (!head) throw new Error('only a JSON object or a CBOR map can be signed');
  return Buffer.concat([encodeMapHeader(head.count + 1), body.subarray(head.length), CBOR_SIG_HEAD, sig]);
}

export interface Opened {
  format: EnvelopeFormat;
  /** The payload as signed (without the signature field). */
  body: Buffer;
  signature: Buffer;
}

/** Splits a signed payload; a reason (for a report) when it carries no well-formed signature. */
export function unseal(payload: Uint8Array): Opened | string {
  const p = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  if (p[0] === 0x7b) {
    if (p.length === 95 && p.subarray(0, 7).toString('latin1') === '{"sg":"') {
      const m = /^\{"sg":"([A-Za-z0-9_-]{86})"}$/.exec(p.toString('latin1'));
      return m ? { format: 'json', body: Buffer.from('{}'), signature: Buffer.from(m[1]!, 'base64url') } : 'no signature field';
    }
    if (p.length < JSON_TAIL + 2) return 'no signature field';
    const m = JSON_SIG.exec(p.subarray(p.length - JSON_TAIL).toString('latin1'));
    if (!m) return 'no signature field (it must be the last field, "sg")';
    return { format: 'json', body: Buffer.concat([p.subarray(0, p.length - JSON_TAIL), Buffer.from('}')]), signature: Buffer.from(m[1]!, 'base64url') };
  }
  const head = mapHeader(p);
  if (!head) return 'neither a JSON object nor a CBOR map';
  if (head.count < 1 || p.length < head.length + CBOR_TAIL || !p.subarray(p.length - CBOR_TAIL, p.length - 64).equals(CBOR_SIG_HEAD)) {
    return 'no signature field (it must be the last entry, "sg")';
  }
  const body = Buffer.concat([encodeMapHeader(head.count - 1), p.subarray(head.length, p.length - CBOR_TAIL)]);
  return { format: 'cbor', body, signature: Buffer.from(p.subarray(p.length - 64)) };
}

/** Entry count and header length of a definite-length CBOR map, if the bytes start with one. */
function mapHeader(b: Uint8Array): { count: number; length: number } | undefined {
  const first = b[0];
  if (first === undefined || first >> 5 !== 5) return undefined;
  const info = first & 0x1f;
  if (info < 24) return { count: info, length: 1 };
  if (info === 24 && b.length >= 2) return { count: b[1]!, length: 2 };
  if (info === 25 && b.length >= 3) return { count: (b[1]! << 8) | b[2]!, length: 3 };
  return undefined;
}

function encodeMapHeader(count: number): Buffer {
  if (count < 24) return Buffer.from([0xa0 | count]);
  if (count < 256) return Buffer.from([0xb8, count]);
  return Buffer.from([0xb9, count >> 8, count & 0xff]);
}
