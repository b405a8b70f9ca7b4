import { createHash } from 'node:crypto';
import { stripUserinfo } from '../log/redact.js';
import { secretsOf } from './configSecrets.js';
import { encodeSecret } from './uri.js';
import type { Config } from './schema.js';

// The retained `info` message carries a hash of the effective config, so the centre can tell two
// gateways' settings apart. It must not be a way to test password guesses: the hash is taken over
// the config with every secret value replaced by a placeholder (as if ${NAME} were unresolved),
// every URI's userinfo removed, and the broker credentials dropped.

const PLACEHOLDER = '${SECRET}';

/** 16 hex digits of sha256 over the config with every secret removed. */
export function configHash(cfg: Config): string {
  const secrets = [...new Set(secretsOf(cfg).flatMap(formsOf))].sort((a, b) => b.length - a.length);
  const scrub = (value: unknown): unknown => {
    if (typeof value === 'string') {
      let s = value;
      for (const secret of secrets) s = s.split(secret).join(PLACEHOLDER);
      return stripUserinfo(s);
    }
    if (Array.isArray(value)) return value.map(scrub);
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrub(v)]));
    return value;
  };
  const { mqtt, ...rest } = cfg;
  const shown = { ...rest, mqtt: mqtt && { ...mqtt, username: undefined, password: undefined } };
  return createHash('sha256').update(JSON.stringify(scrub(shown))).digest('hex').slice(0, 16);
}

function formsOf(secret: string): string[] {
  return [secret, encodeSecret(secret), encodeURIComponent(secret)];
}
