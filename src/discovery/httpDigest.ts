import { createHash, randomBytes } from 'node:crypto';

// HTTP digest authentication (RFC 7616, MD5 and SHA-256, qop=auth), which some firmwares demand
// instead of, or on top of, WS-Security. Only what cameras use; no auth-int, no session variants.

/** A parsed `WWW-Authenticate: Digest ...` challenge. */
export interface DigestChallenge {
  realm: string;
  nonce: string;
  qop?: string;
  opaque?: string;
  algorithm: 'MD5' | 'SHA-256';
}

/** Parses a Digest challenge header; undefined when the header is absent or not Digest. */
export function parseDigestChallenge(header: string | null | undefined): DigestChallenge | undefined {
  if (!header || !/^\s*Digest\s/i.test(header)) return undefined;
  const params: Record<string, string> = {};
  for (const m of header.replace(/^\s*Digest\s+/i, '').matchAll(/([a-z0-9_-]+)\s*=\s*(?:"([^"]*)"|([^\s,]+))/gi)) {
    params[m[1]!.toLowerCase()] = m[2] ?? m[3] ?? '';
  }
  if (params['realm'] === undefined || !params['nonce']) return undefined;
  const algorithm = (params['algorithm'] ?? 'MD5').toUpperCase() === 'SHA-256' ? 'SHA-256' : 'MD5';
  const qop = params['qop']?.split(',').map((q) => q.trim()).includes('auth') ? 'auth' : undefined;
  return { realm: params['realm'], nonce: params['nonce'], qop, opaque: params['opaque'], algorithm };
}

/** The Authorization header value answering `challenge` for one request. */
export function digestAuthorization(
  challenge: DigestChallenge,
  req: { method: string; uri: string; user: string; password: string; nc?: number; cnonce?: string },
): string {
  const h = (s: string) => createHash(challenge.algorithm === 'SHA-256' ? 'sha256' : 'md5').update(s).digest('hex');
  const nc = (req.nc ?? 1).toString(16).padStart(8, '0');
  const cnonce = req.cnonce ?? randomBytes(8).toString('hex');
  const ha1 = h(`${req.user}:${challenge.realm}:${req.password}`);
  const ha2 = h(`${req.method}:${req.uri}`);
  const response = challenge.qop
    ? h(`${ha1}:${challenge.nonce}:${nc}:${cnonce}:${challenge.qop}:${ha2}`)
    : h(`${ha1}:${challenge.nonce}:${ha2}`);
  const parts = [
    `username="${req.user}"`,
    `realm="${challenge.realm}"`,
    `nonce="${challenge.nonce}"`,
    `uri="${req.uri}"`,
    `algorithm=${challenge.algorithm}`,
    `response="${response}"`,
  ];
  if (challenge.qop) parts.push(`qop=${challenge.qop}`, `nc=${nc}`, `cnonce="${cnonce}"`);
  if (challenge.opaque !== undefined) parts.push(`opaque="${challenge.opaque}"`);
  return `Digest ${parts.join(', ')}`;
}

/** Parses an `Authorization: Digest ...` header into its parameters (for the simulator's check). */
export function parseDigestAuthorization(header: string | undefined): Record<string, string> | undefined {
  if (!header || !/^\s*Digest\s/i.test(header)) return undefined;
  const out: Record<string, string> = {};
  for (const m of header.replace(/^\s*Digest\s+/i, '').matchAll(/([a-z0-9_-]+)\s*=\s*(?:"([^"]*)"|([^\s,]+))/gi)) {
    out[m[1]!.toLowerCase()] = m[2] ?? m[3] ?? '';
  }
  return out;
}

/** Server side: whether an Authorization header answers our challenge with this password. */
export function verifyDigestAuthorization(
  params: Record<string, string>,
  challenge: DigestChallenge,
  method: string,
  password: string,
): boolean {
  if (params['nonce'] !== challenge.nonce || params['username'] === undefined || params['uri'] === undefined) return false;
  const expected = digestAuthorization(challenge, {
    method,
    uri: params['uri'],
    user: params['username'],
    password,
    nc: parseInt(params['nc'] ?? '1', 16),
    cnonce: params['cnonce'],
  });
  return parseDigestAuthorization(expected)?.['response'] === params['response'];
}
