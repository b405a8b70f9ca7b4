import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Ajv } from 'ajv';
import { LineCounter } from 'yaml';
import { ConfigError } from '../errors.js';
import { camelKeys } from '../config/keys.js';
import { describe } from '../config/loadConfig.js';
import { readYaml } from '../config/yamlRead.js';
import { CentralConfigSchema, type CentralConfig } from './centralSchema.js';

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false, verbose: true });
const validate = ajv.compile<CentralConfig>(CentralConfigSchema);

/**
 * Reads and checks `central.yaml`; every problem at once in a ConfigError (exit code 2). Relative
 * paths (keys, centre key, SQLite file, TLS files) are resolved against the config file's folder.
 */
export function loadCentralConfig(file: string): CentralConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [`cannot read the file (${(err as NodeJS.ErrnoException).code ?? String(err)}); check the path`], { cause: err });
  }
  const lines = new LineCounter();
  const { doc, raw } = readYaml(text, file, lines);
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError(file, ['the file must be a YAML mapping with broker:, keys: and centre_key: at the top']);
  const config = camelKeys(raw) as CentralConfig;
  if (!validate(config)) throw new ConfigError(file, (validate.errors ?? []).map((e) => describe(e, doc, lines).replace('config/example.yaml', 'config/central.example.yaml')));
  const problems: string[] = [];
  if (config.store.sqlite !== undefined && config.store.postgres !== undefined) problems.push('store: give sqlite or postgres, not both');
  if (config.broker.reconnectMaxMs < config.broker.reconnectMinMs) problems.push('broker.reconnect_max_ms: must not be below reconnect_min_ms');
  if (problems.length > 0) throw new ConfigError(file, problems);
  const dir = dirname(resolve(file));
  const at = (p: string) => resolve(dir, p);
  const tls = config.broker.tls;
  return {
    ...config,
    keys: at(config.keys),
    centreKey: at(config.centreKey),
    store: config.store.postgres !== undefined ? { postgres: config.store.postgres } : { sqlite: at(config.store.sqlite ?? 'central.db') },
    broker: { ...config.broker, tls: { ...tls, ...(tls.ca ? { ca: at(tls.ca) } : {}), ...(tls.cert ? { cert: at(tls.cert) } : {}), ...(tls.key ? { key: at(tls.key) } : {}) } },
  };
}
