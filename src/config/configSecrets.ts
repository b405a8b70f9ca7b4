import { redactUri, rememberSecret, rememberUriSecrets } from '../log/redact.js';
import type { Config } from './schema.js';

// The secrets a loaded config holds: every ${NAME} value substituted into it, the passwords written
// inside its URIs and the broker password. They are handed to the redaction layer (so that no log
// line or printed error shows them) and kept with the config for configHash.

const bySecretConfig = new WeakMap<Config, string[]>();

/** Records the secrets of a freshly loaded config; `substituted` are the ${NAME} values filled in. */
export function rememberConfigSecrets(config: Config, substituted: string[]): void {
  const values = [...substituted];
  const uris = [...config.cameras.flatMap((c) => [c.source, c.onvif?.recordSource, c.onvif?.snapshotUri]), ...(config.mqtt?.urls ?? [])];
  for (const uri of uris) {
    if (uri === undefined) continue;
    rememberUriSecrets(uri);
    const pw = passwordOf(uri);
    if (pw) values.push(pw);
  }
  if (config.mqtt?.password) values.push(config.mqtt.password);
  for (const v of values) rememberSecret(v);
  bySecretConfig.set(config, values.filter((v) => v.length > 0));
}

/** Secret values of a config loaded by loadConfig (empty for one built another way). */
export function secretsOf(config: Config): readonly string[] {
  return bySecretConfig.get(config) ?? [];
}

function passwordOf(uri: string): string | undefined {
  try {
    const u = new URL(uri);
    return u.password ? decodeURIComponent(u.password) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A copy of the config fit to print: the broker password replaced, every URI without its
 * userinfo and every secret value masked wherever it appears.
 */
export function printableConfig(config: Config): unknown {
  const secrets = [...secretsOf(config)].sort((a, b) => b.length - a.length);
  const mask = (value: unknown): unknown => {
    if (typeof value === 'string') {
      let s = redactUri(value);
      for (const secret of secrets) s = s.split(secret).join('***');
      return s;
    }
    if (Array.isArray(value)) return value.map(mask);
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mask(v)]));
    return value;
  };
  const shown = mask(config) as Config;
  if (shown.mqtt?.password !== undefined) shown.mqtt.password = '***';
  return shown;
}
