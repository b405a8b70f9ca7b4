import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type MqttClient } from 'mqtt';
import { MqttSchema, OutboxSchema, type MqttConfig, type OutboxConfig } from '../../../src/config/uplinkSchema.js';
import { createLogger, type Logger } from '../../../src/log/logger.js';
import { decodePayload, type PayloadFormat } from '../../../src/publish/payload.js';
import type { UplinkConfig, UplinkContext } from '../../../src/publish/uplink.js';
import type { Alert } from '../../../src/types.js';
import { signAck, signRequest } from '../../../src/verify/keys.js';
import { withDefaults } from '../../helpers/configDefaults.js';
import { CENTRE_KEYS, CENTRE_PUBLIC, GATEWAY_KEYS } from '../../helpers/keys.js';

export function outboxConfig(dir: string, extra: Record<string, unknown> = {}): OutboxConfig {
  return withDefaults<OutboxConfig>(OutboxSchema, { path: join(dir, 'outbox.db'), ...extra });
}

export function mqttConfig(urls: string[], extra: Record<string, unknown> = {}): MqttConfig {
  return withDefaults<MqttConfig>(MqttSchema, { urls, reconnectMinMs: 100, reconnectMaxMs: 1000, centreKey: CENTRE_PUBLIC, ...extra });
}

export function uplinkConfig(dir: string, urls: string[] | undefined, mqtt: Record<string, unknown> = {}, outbox: Record<string, unknown> = {}): UplinkConfig {
  return { outbox: outboxConfig(dir, outbox), mqtt: urls ? mqttConfig(urls, mqtt) : undefined };
}

export const GATEWAY = { id: 'gw-t1', province: 'hn', commune: 'c1' };
export const BASE = 'edge/hn/c1/gw-t1';

export function context(dir: string, gateway = GATEWAY): UplinkContext {
  return {
    gateway,
    baseDir: dir,
    info: { version: '0.0.0-test', cameras: ['cam-1'], models: [{ id: 'yolox-nano-int8', sha256: 'ab'.repeat(32) }], configHash: 'cafe' },
    signingKey: GATEWAY_KEYS.privateKey,
  };
}

/** A request signed by the test centre key, for `<base>/request/<command>`. */
export function centreRequest(command: string, fields: Record<string, unknown> = {}, base = BASE, now = Date.now()): Buffer {
  return signRequest(CENTRE_KEYS.privateKey, base, command, fields, now);
}

/** An end-to-end ack signed by the test centre key, for `<base>/ack`. */
export function centreAck(ack: { seqs?: number[]; up_to?: number }, base = BASE, now = Date.now()): Buffer {
  return signAck(CENTRE_KEYS.privateKey, base, ack, now);
}

/** A plain MQTT client, connected (a relay, a rogue publisher). */
export async function connectClient(url: string): Promise<MqttClient> {
  const c = connect(url, { reconnectPeriod: 200 });
  await new Promise<void>((resolve, reject) => {
    c.once('connect', () => resolve());
    c.once('error', reject);
  });
  return c;
}

export function tempDir(prefix = 'uplink-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function quietLog(): Logger {
  return createLogger((process.env['TEST_LOG_LEVEL'] as 'silent') ?? 'silent');
}

let alertN = 0;
export function makeAlert(id?: string, extra: Partial<Alert> = {}): Alert {
  alertN++;
  return {
    id: id ?? `a-${alertN}`,
    gatewayId: GATEWAY.id,
    cameraId: 'cam-1',
    rule: 'wrong_way_lane2',
    kind: 'wrong_way',
    type: 'instant',
    class: 'alert',
    label: 'car',
    score: 0.8712,
    box: { x1: 0.1234, y1: 0.2345, x2: 0.3456, y2: 0.4567 },
    trackId: 42,
    line: 'lane2',
    ts: 1_760_000_000_000 + alertN,
    modelId: 'yolox-nano-int8',
    ...extra,
  };
}

export interface Received {
  topic: string;
  payload: Buffer;
  retain: boolean;
}

/** A subscriber that keeps everything it receives. */
export class Collector {
  readonly messages: Received[] = [];
  private constructor(readonly client: MqttClient) {}

  static async open(url: string, topics: string[], clientId?: string): Promise<Collector> {
    const client = connect(url, { reconnectPeriod: 200, clean: clientId === undefined, ...(clientId ? { clientId } : {}) });
    const c = new Collector(client);
    client.on('message', (topic, payload, packet) => c.messages.push({ topic, payload, retain: packet.retain }));
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => client.subscribe(topics, { qos: 1 }, (err) => (err ? reject(err) : resolve())));
      client.once('error', reject);
    });
    return c;
  }

  /** Decoded alert payloads (topics containing /alert/), in arrival order. */
  alerts(format: PayloadFormat = 'json'): Record<string, unknown>[] {
    return this.messages.filter((m) => m.topic.includes('/alert/')).map((m) => decodePayload(m.payload, format));
  }

  /** Distinct alert ids received. */
  alertIds(format: PayloadFormat = 'json'): Set<string> {
    return new Set(this.alerts(format).map((a) => a['i'] as string));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.client.end(true, {}, () => resolve()));
  }
}

/** Polls a condition; the timeout only guards against a hang, it never decides a result on speed. */
export async function waitFor(cond: () => boolean, what: string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
