// A process carrying some of the fleet's gateways: per gateway the agent's real Uplink (outbox, MQTT
// link over mutual TLS, signing, end-to-end acks, health messages) fed by a simulated site instead
// of cameras. Driven by the fleet simulation over Node IPC (hostProtocol.ts).
import type { KeyObject } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { MqttSchema, OutboxSchema, type MqttConfig, type OutboxConfig } from '../../src/config/uplinkSchema.js';
import { createLogger } from '../../src/log/logger.js';
import { alertRecord, droppedRecord } from '../../src/publish/payload.js';
import { payloadSealer } from '../../src/publish/sealer.js';
import { baseTopic } from '../../src/publish/topics.js';
import { Uplink } from '../../src/publish/uplink.js';
import { Outbox } from '../../src/store/outbox.js';
import { parsePrivateKey } from '../../src/verify/index.js';
import { withDefaults } from '../../test/helpers/configDefaults.js';
import { SiteEmitter } from './emitter.js';
import { KIND, type EmittedRow, type FromHost, type GatewaySpec, type HostStart, type ToHost } from './hostProtocol.js';

const TICK_MS = 100;
const REPORT_MS = 250;
const STATS_MS = 1000;

const log = createLogger('warn');
const send = (m: FromHost) => process.send?.(m);
const gateways: { spec: GatewaySpec; uplink: Uplink; emitter?: SiteEmitter }[] = [];
let pending: EmittedRow[] = [];
let ticker: NodeJS.Timeout | undefined;
let start: HostStart | undefined;
const ELD_RESOLUTION_MS = 10;
const eld = monitorEventLoopDelay({ resolution: ELD_RESOLUTION_MS });
eld.enable();

function uplinkFor(s: HostStart, g: GatewaySpec): Uplink {
  const dir = join(s.dir, g.id);
  mkdirSync(dir, { recursive: true });
  const mqtt = withDefaults<MqttConfig>(MqttSchema, {
    urls: [g.url],
    tls: { ca: s.ca, cert: `${g.cert}.pem`, key: `${g.cert}.key` },
    centreKey: s.centreKey,
    e2eAck: { enabled: true, timeoutS: s.e2eTimeoutS },
    healthIntervalS: s.healthIntervalS,
  });
  const outbox = withDefaults<OutboxConfig>(OutboxSchema, { path: join(dir, 'outbox.db') });
  const key = gatewayKey(g);
  const info = { version: 'fleet-sim', cameras: Array.from({ length: s.profile.cameras }, (_, i) => `cam-${i + 1}`), models: [], configHash: 'fleet' };
  return new Uplink({ outbox, mqtt }, { gateway: { id: g.id, province: g.province, commune: g.commune }, baseDir: dir, info, signingKey: key }, log.child({ gateway: g.id }));
}

function gatewayKey(g: GatewaySpec): KeyObject {
  const key = parsePrivateKey(g.keyPem);
  if (!key) throw new Error(`gateway ${g.id}: not a private key`);
  return key;
}

/** An hour (or `seconds`) of a busy site's alerts, committed through the real outbox before the gateway connects. */
function prefill(s: HostStart, g: GatewaySpec, seconds: number): void {
  const busy = s.backlog!.busy;
  const path = join(s.dir, g.id, 'outbox.db');
  const outbox = new Outbox(path, withDefaults<OutboxConfig>(OutboxSchema, { path }), (d) => droppedRecord(g.id, d), log);
  outbox.open();
  // Sealed at commit, as the gateway's own Uplink stores rows: the drain sends them as stored.
  const base = baseTopic({ prefix: 'edge', province: g.province, commune: g.commune, gateway: g.id });
  outbox.sealWith(payloadSealer({ base, format: 'json', gateway: g.id, key: gatewayKey(g) }));
  const to = Date.now();
  const from = to - seconds * 1000;
  const emitter = new SiteEmitter(g.id, g.seed ^ 0x5eed, busy, from);
  for (let t = from + 1000; t <= to; t += 1000) {
    const alerts = emitter.due(t).map((a) => ({ ...a, id: `${a.id}-b` }));
    if (alerts.length === 0) continue;
    outbox.insertMany(alerts.map((a) => alertRecord(a)));
    for (const a of alerts) pending.push([a.id, g.index, a.ts, KIND.backlog]);
    if (pending.length >= 2000) flush();
  }
  outbox.close();
  flush();
}

async function onStart(s: HostStart): Promise<void> {
  start = s;
  if (s.backlog) for (const g of s.gateways) prefill(s, g, s.backlog.seconds);
  const connectTs = Date.now();
  const gapMs = (s.startSpreadS * 1000) / s.gateways.length;
  for (const [i, spec] of s.gateways.entries()) {
    if (i > 0 && gapMs > 0) await new Promise((r) => setTimeout(r, gapMs));
    const uplink = uplinkFor(s, spec);
    await uplink.start();
    gateways.push({ spec, uplink });
  }
  send({ op: 'started', connectTs });
}

function tick(): void {
  const now = Date.now();
  for (const g of gateways) {
    for (const a of g.emitter?.due(now) ?? []) {
      g.uplink.emit(a);
      pending.push([a.id, g.spec.index, a.ts, a.class === 'count' ? KIND.count : KIND.alert]);
    }
  }
}

function setEmitting(on: boolean): void {
  clearInterval(ticker);
  ticker = undefined;
  if (!on || !start) return;
  const now = Date.now();
  for (const g of gateways) g.emitter ??= new SiteEmitter(g.spec.id, g.spec.seed, start.profile, now);
  ticker = setInterval(tick, TICK_MS);
}

function flush(): void {
  if (pending.length === 0) return;
  send({ op: 'emitted', rows: pending });
  pending = [];
}

function stats(): void {
  let connected = 0;
  let depth = 0;
  let refused = 0;
  let oldest: number | null = null;
  for (const g of gateways) {
    if (g.uplink.connected) connected++;
    const d = g.uplink.depth();
    depth += d;
    for (const n of Object.values(g.uplink.rejectedMessages)) refused += n;
    if (d === 0) continue;
    for (const c of Object.values(g.uplink.status().classes)) if (c.oldestTs !== undefined && (oldest === null || c.oldestTs < oldest)) oldest = c.oldestTs;
  }
  // The histogram's values include its own 10 ms sampling period: what is above it is the delay.
  const late = (ns: number) => Math.max(0, Math.round((ns / 1e6 - ELD_RESOLUTION_MS) * 100) / 100);
  send({ op: 'stats', connected, depth, eldP99Ms: late(eld.percentile(99)), eldMaxMs: late(eld.max), refused, oldestUndeliveredTs: oldest, ts: Date.now() });
  eld.reset();
}

async function onStop(): Promise<void> {
  setEmitting(false);
  flush();
  await Promise.all(gateways.map((g) => g.uplink.stop()));
  send({ op: 'stopped' });
  process.disconnect?.();
}

const fail = (err: unknown) => send({ op: 'error', message: (err as Error)?.stack ?? String(err) });
process.on('message', (m: ToHost) => {
  if (m.op === 'start') onStart(m).catch(fail);
  else if (m.op === 'emit') setEmitting(m.on);
  else if (m.op === 'stop') onStop().catch(fail);
});
setInterval(flush, REPORT_MS).unref();
setInterval(() => gateways.length > 0 && stats(), STATS_MS).unref();
