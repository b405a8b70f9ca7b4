import type { IncomingMessage } from 'node:http';
import { randomBytes } from 'node:crypto';
import { parseDigestAuthorization, verifyDigestAuthorization, type DigestChallenge } from '../../../src/discovery/httpDigest.js';
import { checkUsernameToken } from '../../../src/discovery/wsSecurity.js';
import { child, text, type XmlNode } from '../../../src/discovery/xml.js';

// The checks a camera makes before answering an authenticated request.

export interface SimAuthOptions {
  user: string;
  password: string;
  /** Which authentication the firmware wants. */
  mode: 'ws-security' | 'http-digest';
  /** How far a token's Created may be from the camera's clock, ms. */
  maxSkewMs: number;
  realm: string;
}

export type AuthVerdict = 'ok' | 'bad-password' | 'stale' | 'challenge';

export class SimAuth {
  readonly challenge: DigestChallenge;

  constructor(private readonly opts: SimAuthOptions) {
    this.challenge = { realm: opts.realm, nonce: randomBytes(12).toString('hex'), qop: 'auth', algorithm: 'MD5' };
  }

  /** `cameraNowMs` is the camera's (possibly skewed) clock. */
  check(req: IncomingMessage, envelope: XmlNode, cameraNowMs: number): AuthVerdict {
    if (this.opts.mode === 'http-digest') {
      const params = parseDigestAuthorization(req.headers.authorization);
      if (!params) return 'challenge';
      return verifyDigestAuthorization(params, this.challenge, req.method ?? 'POST', this.opts.password) ? 'ok' : 'challenge';
    }
    const tokenNode = child(envelope, 'Envelope', 'Header', 'Security', 'UsernameToken');
    const token = tokenNode
      ? {
          user: text(tokenNode, 'Username') ?? '',
          nonceB64: text(tokenNode, 'Nonce') ?? '',
          created: text(tokenNode, 'Created') ?? '',
          digest: text(tokenNode, 'Password') ?? '',
        }
      : undefined;
    const verdict = checkUsernameToken(token, this.opts, cameraNowMs, this.opts.maxSkewMs);
    return verdict === 'missing' ? 'bad-password' : verdict;
  }

  /** WWW-Authenticate header value for a 401. */
  wwwAuthenticate(): string {
    const c = this.challenge;
    return `Digest realm="${c.realm}", qop="auth", nonce="${c.nonce}", algorithm=MD5, stale="FALSE"`;
  }
}
