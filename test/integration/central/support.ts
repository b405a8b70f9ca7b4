import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { Central } from '../../../src/central/central.js';
import { loadCentralConfig } from '../../../src/central/loadCentralConfig.js';
import { Uplink } from '../../../src/publish/uplink.js';
import { privateKeyPem, publicKeyText } from '../../../src/verify/index.js';
import { CENTRE_KEYS, GATEWAY_KEYS } from '../../helpers/keys.js';
import { context, quietLog, uplinkConfig } from '../uplink/support.js';

/** Writes central.yaml (snake_case, as an operator would), its enrolled keys and the centre key. */
export function writeCentralConfig(dir: string, brokerUrl: string, gateways: string[], extra: Record<string, unknown> = {}, name = 'central.yaml'): string {
  writeFileSync(join(dir, 'enrolled.txt'), gateways.map((g) => `${g} ${publicKeyText(GATEWAY_KEYS.publicKey)}\n`).join(''));
  writeFileSync(join(dir, 'centre.key'), privateKeyPem(CENTRE_KEYS.privateKey), { mode: 0o600 });
  const config = {
    broker: { urls: [brokerUrl], reconnect_min_ms: 100, reconnect_max_ms: 1000 },
    keys: 'enrolled.txt',
    centre_key: 'centre.key',
    http: { port: 0 },
    acks: { interval_ms: 100 },
    logging: { level: process.env['TEST_LOG_LEVEL'] ?? 'silent' },
    ...extra,
  };
  const file = join(dir, name);
  writeFileSync(file, stringify(config));
  return file;
}

/** A started in-process centre. */
export async function startCentral(file: string): Promise<Central> {
  const central = new Central(loadCentralConfig(file), quietLog());
  await central.start();
  return central;
}

/** A started gateway uplink (the agent's own Uplink class) under edge/hn/<commune>/<id>. */
export async function startGateway(dir: string, id: string, brokerUrl: string, mqtt: Record<string, unknown> = {}, commune = 'c1'): Promise<Uplink> {
  const sub = join(dir, id);
  const uplink = new Uplink(uplinkConfig(sub, [brokerUrl], mqtt), context(sub, { id, province: 'hn', commune }), quietLog());
  await uplink.start();
  return uplink;
}

export async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

export interface ApiAlert {
  id: string;
  gateway: string;
  commune: string;
  seq: number;
  body: Record<string, unknown>;
}

export interface ApiGateway {
  id: string;
  state: string;
  cameras: Record<string, { online: boolean }>;
  last_seen_ts: number | null;
  lag_ms: number | null;
  open_gaps: { from: number; to: number }[];
}
