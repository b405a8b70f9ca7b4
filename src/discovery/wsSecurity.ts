import { createHash, randomBytes } from 'node:crypto';

// WS-Security UsernameToken with PasswordDigest, the authentication every ONVIF camera accepts:
// digest = base64(sha1(nonce + created + password)). The camera checks that `created` is close to
// its own clock, so `created` is taken on the camera's clock (our clock + measured offset).

/** The fields of one UsernameToken; `nonce` is the raw bytes (sent base64). */
export interface UsernameToken {
  user: string;
  nonce: Buffer;
  /** ISO 8601 UTC time on the camera's clock, e.g. 2024-05-01T10:00:00.000Z. */
  created: string;
  /** base64(sha1(nonce + created + password)). */
  digest: string;
}

/** Computes the PasswordDigest of a UsernameToken. Pure; used by client and simulator alike. */
export function passwordDigest(nonce: Buffer, created: string, password: string): string {
  return createHash('sha1')
    .update(Buffer.concat([nonce, Buffer.from(created, 'utf8'), Buffer.from(password, 'utf8')]))
    .digest('base64');
}

/** A fresh token for a request sent now; `clockOffsetMs` = camera clock − our clock. */
export function makeUsernameToken(user: string, password: string, clockOffsetMs: number, nowMs = Date.now()): UsernameToken {
  const nonce = randomBytes(16);
  const created = new Date(nowMs + clockOffsetMs).toISOString();
  return { user, nonce, created, digest: passwordDigest(nonce, created, password) };
}

/** The <wsse:Security> SOAP header element for a token. */
export function securityHeaderXml(token: UsernameToken): string {
  return (
    '<wsse:Security s:mustUnderstand="1" ' +
    'xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd" ' +
    'xmlns:wsu="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd">' +
    `<wsse:UsernameToken><wsse:Username>${escapeXml(token.user)}</wsse:Username>` +
    '<wsse:Password Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest">' +
    `${token.digest}</wsse:Password>` +
    '<wsse:Nonce EncodingType="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary">' +
    `${token.nonce.toString('base64')}</wsse:Nonce>` +
    `<wsu:Created>${token.created}</wsu:Created></wsse:UsernameToken></wsse:Security>`
  );
}

export type TokenCheck = 'ok' | 'bad-password' | 'stale' | 'missing';

/**
 * Verifies a received token the way a camera does: right digest, and `created` within
 * `maxSkewMs` of the verifier's clock `nowMs`. Used by the simulator; kept here so both sides
 * share one definition of the digest.
 */
export function checkUsernameToken(
  token: { user: string; nonceB64: string; created: string; digest: string } | undefined,
  expected: { user: string; password: string },
  nowMs: number,
  maxSkewMs: number,
): TokenCheck {
  if (!token) return 'missing';
  const digest = passwordDigest(Buffer.from(token.nonceB64, 'base64'), token.created, expected.password);
  if (token.user !== expected.user || digest !== token.digest) return 'bad-password';
  const created = Date.parse(token.created);
  if (!Number.isFinite(created) || Math.abs(created - nowMs) > maxSkewMs) return 'stale';
  return 'ok';
}

/** Escapes the five XML special characters for text and attribute content. */
export function escapeXml(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);
}
