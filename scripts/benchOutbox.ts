// Outbox benchmark: insert rate (one committed transaction per alert), drain rate of a backlog
// against raw mqtt.js QoS 1 publishing in the same run and to the same broker, and latency from
// emit() to a subscriber, idle and while a backlog drains. Figures, not pass/fail.
//   node --import tsx scripts/benchOutbox.ts [--json] [--rows 100000]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect, type MqttClient } from 'mqtt';
import { MqttSchema, OutboxSchema, type MqttConfig, type OutboxConfig } from '../src/config/uplinkSchema.js';
import { createLogger } from '../src/log/logger.js';
import { alertRecord, droppedRecord } from '../src/publish/payload.js';
import { newKeyPair } from '../src/verify/keys.js';
import { payloadSealer } from '../src/publish/sealer.js';
import { Uplink } from '../src/publish/uplink.js';
import { Outbox } from '../src/store/outbox.js';
import type { Alert } from '../src/types.js';
import { startMosquitto } from '../test/helpers/mosquitto.js';
import { withDefaults } from '../test/helpers/configDefaults.js';

export interface OutboxBenchOptions {
  /** Backlog size drained, and raw messages published. */
  rows?: number;
  /** Alerts emitted one transaction each for the insert rate. */
  inserts?: number;
  /** Alerts timed from emit to subscriber, idle and while draining. */
  latencySamples?: number;
  maxInFlight?: number;
}

export interface OutboxBenchFigures {
  insert_per_s: number;
  drain_per_s: number;
  raw_publish_per_s: number;
  /** Median of the per-round drain/raw ratios (rounds alternate), with min and max. */
  drain_vs_raw: number;
  drain_vs_raw_min: number;
  drain_vs_raw_max: number;
  latency_p50_ms: number;
  latency_p95_ms: number;
  latency_p95_draining_ms: number;
}

const GW = { id: 'gw-bench', province: 'p', commune: 'c' };
const BASE = 'edge/p/c/gw-bench';
const log = createLogger('silent');

export async function benchOutbox(opts: OutboxBenchOptions = {}): Promise<OutboxBenchFigures> {
  const rows = opts.rows ?? 100_000;
  const maxInFlight = opts.maxInFlight ?? 64;
  const dir = mkdtempSync(join(tmpdir(), 'bench-outbox-'));
  const broker = await startMosquitto();
  try {
    const cfg = { outbox: withDefaults<OutboxConfig>(OutboxSchema, { path: join(dir, 'outbox.db') }), mqtt: withDefaults<MqttConfig>(MqttSchema, { urls: [broker.url], maxInFlight, healthIntervalS: 0 }) };
    const insertPerS = insertRate(cfg.outbox, opts.inserts ?? 2000);
    // Drain (A) and raw publishing (B) alternate in rounds, A B A B ...: a slow spell of the shared
    // machine then hits both sides of a pair, and the median per-pair ratio stays honest.
    // One pair first, not counted: it pays for compiling both paths and starting the broker's queues.
    const rounds = 6;
    const per = Math.max(1000, Math.floor(rows / rounds));
    const drains: number[] = [];
    const raws: number[] = [];
    for (let r = 0; r < rounds; r++) {
      fillBacklog(cfg.outbox, per);
      drains.push(await drainRate(cfg, per));
      raws.push(await rawRate(broker.url, per, maxInFlight));
    }
    drains.shift();
    raws.shift();
    const ratios = drains.map((d, i) => d / raws[i]!);
    const drainPerS = median(drains);
    const rawPerS = median(raws);
    const idle = await latency(cfg, broker.url, opts.latencySamples ?? 200, 0);
    const draining = await latency(cfg, broker.url, opts.latencySamples ?? 200, Math.min(rows, 50_000));
    return {
      insert_per_s: Math.round(insertPerS),
      drain_per_s: Math.round(drainPerS),
      raw_publish_per_s: Math.round(rawPerS),
      drain_vs_raw: Math.round(median(ratios) * 100) / 100,
      drain_vs_raw_min: Math.round(Math.min(...ratios) * 100) / 100,
      drain_vs_raw_max: Math.round(Math.max(...ratios) * 100) / 100,
      latency_p50_ms: pct(idle, 0.5),
      latency_p95_ms: pct(idle, 0.95),
      latency_p95_draining_ms: pct(draining, 0.95),
    };
  } finally {
    await broker.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

let n = 0;
// Alerts go out signed, as on a gateway: signing is part of the drain rate measured.
const CONTEXT = { gateway: GW, baseDir: '/', info: { version: 'bench', cameras: [], models: [], configHash: '' }, signingKey: newKeyPair().privateKey };

/** A typical wrong-way alert (box, track, line, model); `extra` overrides fields. */
export function benchAlert(extra: Partial<Alert> = {}): Alert {
  n++;
  return { id: `bench-${n}`, gatewayId: GW.id, cameraId: 'cam-1', rule: 'wrong_way_lane2', kind: 'wrong_way', type: 'instant', class: 'alert', label: 'car', score: 0.87, box: { x1: 0.1, y1: 0.2, x2: 0.3, y2: 0.4 }, trackId: n, line: 'lane2', ts: Date.now(), modelId: 'yolox-nano-int8', ...extra };
}

const alert = (): Alert => benchAlert();

// Stored as the gateway's Uplink stores them: sealed (encoded and signed) at commit.
const SEALER = payloadSealer({ base: BASE, format: 'json', gateway: GW.id, key: CONTEXT.signingKey });

function openOutbox(cfg: OutboxConfig): Outbox {
  const ob = new Outbox(cfg.path, cfg, (d) => droppedRecord(GW.id, d), log);
  ob.open();
  ob.sealWith(SEALER);
  return ob;
}

function insertRate(cfg: OutboxConfig, count: number): number {
  const ob = openOutbox({ ...cfg, path: `${cfg.path}.insert` });
  const t0 = performance.now();
  for (let i = 0; i < count; i++) ob.insert(alertRecord(alert()));
  const s = (performance.now() - t0) / 1000;
  ob.close();
  return count / s;
}

export function fillBacklog(cfg: OutboxConfig, rows: number): void {
  const ob = openOutbox(cfg);
  for (let done = 0; done < rows; done += 10_000) ob.insertMany(Array.from({ length: Math.min(10_000, rows - done) }, () => alertRecord(alert())));
  ob.close();
}

export async function drainRate(cfg: { outbox: OutboxConfig; mqtt: MqttConfig }, rows: number): Promise<number> {
  const uplink = new Uplink(cfg, CONTEXT, log);
  await uplink.start();
  await until(() => uplink.connected);
  const t0 = performance.now();
  // Drained: every row published and its PUBACK recorded (the end is found within a millisecond).
  await until(() => uplink.depth() === 0, 1);
  const s = (performance.now() - t0) / 1000;
  await uplink.stop();
  return rows / s;
}

async function rawRate(url: string, count: number, window: number): Promise<number> {
  const client = await mqttClient(url);
  // The bytes a drained row carries (a signed historical alert), so both sides move the same load.
  const payload = SEALER.seal({ ...alertRecord(alert()), seq: 123456, boot: 3, createdTs: 0, replay: false });
  const t0 = performance.now();
  await new Promise<void>((resolve) => {
    let sent = 0;
    let acked = 0;
    const pump = () => {
      while (sent < count && sent - acked < window) {
        sent++;
        client.publish(`${BASE}/camera/cam-1/alert/wrong_way`, payload, { qos: 1 }, () => {
          acked++;
          if (acked === count) resolve();
          else pump();
        });
      }
    };
    pump();
  });
  const s = (performance.now() - t0) / 1000;
  await new Promise<void>((r) => client.end(false, {}, () => r()));
  return count / s;
}

async function latency(cfg: { outbox: OutboxConfig; mqtt: MqttConfig }, url: string, samples: number, backlog: number): Promise<number[]> {
  if (backlog > 0) fillBacklog(cfg.outbox, backlog);
  const sub = await mqttClient(url);
  const sentAt = new Map<string, number>();
  const lat: number[] = [];
  sub.on('message', (_t, p) => {
    const id = (JSON.parse(p.toString()) as { i: string }).i;
    const t = sentAt.get(id);
    if (t !== undefined) lat.push(performance.now() - t);
  });
  await new Promise<void>((r) => sub.subscribe(`${BASE}/camera/+/alert/#`, { qos: 1 }, () => r()));
  const uplink = new Uplink(cfg, CONTEXT, log);
  await uplink.start();
  await until(() => uplink.connected);
  for (let i = 0; i < samples; i++) {
    const a = alert();
    sentAt.set(a.id, performance.now());
    uplink.emit(a);
    await new Promise((r) => setTimeout(r, 5));
  }
  await until(() => lat.length >= samples && uplink.depth() === 0);
  await uplink.stop();
  await new Promise<void>((r) => sub.end(false, {}, () => r()));
  return lat;
}

function pct(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return Math.round((s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0) * 100) / 100;
}

async function until(cond: () => boolean, everyMs = 5): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, everyMs));
}

function mqttClient(url: string): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    // mqtt.js's logger off, as on the gateway's link (see MqttLink): both sides run the same client.
    const c = connect(url, { reconnectPeriod: 0, log: () => undefined });
    c.once('connect', () => resolve(c));
    c.once('error', reject);
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const i = args.indexOf('--rows');
  const figures = await benchOutbox({ ...(i >= 0 ? { rows: Number(args[i + 1]) } : {}) });
  if (args.includes('--json')) process.stdout.write(`${JSON.stringify(figures)}\n`);
  else for (const [k, v] of Object.entries(figures)) process.stdout.write(`${k.padEnd(24)} ${v}\n`);
  process.exit(0);
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}
