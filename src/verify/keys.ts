import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import { seal, signedBytes, unseal } from './envelope.js';

// Ed25519 keys as people and config files see them, and signing and checking one message.
// Public keys travel as the base64url text of the raw 32-byte key (43 characters); private keys
// as PKCS#8 PEM files. No import from the agent: the centre may vendor this folder.

/** A new key pair. */
export function newKeyPair(): { privateKey: KeyObject; publicKey: KeyObject } {
  return generateKeyPairSync('ed25519');
}

/** The raw 32-byte public key as base64url (43 characters): what config files and enrolment lists hold. */
export function publicKeyText(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return pub.export({ format: 'jwk' }).x as string;
}

/**
 * A public key from its text: base64url or base64 of the raw 32 bytes, or an SPKI PEM block.
 * Returns undefined for anything else (the caller names the file or setting).
 */
export function parsePublicKey(text: string): KeyObject | undefined {
  const t = text.trim();
  try {
    if (t.startsWith('-----BEGIN')) {
      const k = createPublicKey(t);
      return k.asymmetricKeyType === 'ed25519' ? k : undefined;
    }
    const raw = Buffer.from(t.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_'), 'base64url');
    if (raw.length !== 32 || !/^[A-Za-z0-9_+/-]{43}=?$/.test(t)) return undefined;
    return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
  } catch {
    return undefined;
  }
}

/** An Ed25519 private key from PKCS#8 PEM text; undefined when it is not one. */
export function parsePrivateKey(pem: string): KeyObject | undefined {
  try {
    const k = createPrivateKey(pem);
    return k.asymmetricKeyType === 'ed25519' ? k : undefined;
  } catch {
    return undefined;
  }
}

/** PKCS#8 PEM text of a private key, for its 0600 file. */
export function privateKeyPem(key: KeyObject): string {
  return key.export({ format: 'pem', type: 'pkcs8' }).toString();
}

/**
 * Fingerprint of a public key: SHA256:<base64 of the sha256 of the raw 32 bytes>, as OpenSSH writes
 * host keys, and a short form (the first 8 bytes in hex, in groups of four) to read over a phone.
 */
export function fingerprint(key: KeyObject): { full: string; short: string } {
  const digest = createHash('sha256').update(Buffer.from(publicKeyText(key), 'base64url')).digest();
  const hex = digest.subarray(0, 8).toString('hex');
  return { full: `SHA256:${digest.toString('base64').replace(/=+$/, '')}`, short: hex.match(/.{4}/g)!.join('-') };
}

/** Signs a payload (a JSON object text or a CBOR map) for a topic; returns the payload with "sg". */
export function signPayload(key: KeyObject, topic: string, body: Buffer): Buffer {
  return seal(body, sign(null, signedBytes(topic, body), key));
}

/** True when `payload` carries a signature by one of `keys` over `topic` and the rest of the payload. */
export function checkPayload(keys: readonly KeyObject[], topic: string, payload: Uint8Array): { ok: true; body: Buffer } | { ok: false; reason: string; body?: Buffer } {
  const opened = unseal(payload);
  if (typeof opened === 'string') return { ok: false, reason: opened };
  const msg = signedBytes(topic, opened.body);
  for (const k of keys) {
    if (verify(null, msg, k, opened.signature)) return { ok: true, body: opened.body };
  }
  return { ok: false, reason: 'bad signature', body: opened.body };
}

/**
 * Centre side: a signed request (for <base>/request/<command>) or end-to-end ack (for <base>/ack).
 * `ts` (epoch ms) and a random `nonce` are added, so the gateway can refuse stale and replayed ones.
 * `topic` is the full topic it will be published on: a signed message is valid there only.
 */
export function signCommand(key: KeyObject, topic: string, fields: Record<string, unknown>, now = Date.now()): Buffer {
  const body = Buffer.from(JSON.stringify({ ...fields, ts: now, nonce: randomBytes(12).toString('base64url') }));
  return signPayload(key, topic, body);
}

/** A request for `<base>/request/<command>`; see signCommand. */
export function signRequest(key: KeyObject, base: string, command: string, fields: Record<string, unknown> = {}, now = Date.now()): Buffer {
  return signCommand(key, `${base}/request/${command}`, fields, now);
}

/** An end-to-end ack for `<base>/ack`: {seqs: [...]} and/or {up_to: n}; see signCommand. */
export function signAck(key: KeyObject, base: string, ack: { seqs?: number[]; up_to?: number }, now = Date.now()): Buffer {
  return signCommand(key, `${base}/ack`, ack, now);
}
