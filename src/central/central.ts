import { readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import type { KeyObject } from 'node:crypto';
import { readEnrolledKeys } from '../config/enrolledKeys.js';
import { ConfigError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { MqttLink } from '../publish/mqttLink.js';
import { parsePrivateKey } from '../verify/index.js';
import { Acker, type Send } from './acker.js';
import type { CentralConfig } from './centralSchema.js';
import type { CentralStore } from './centralStore.js';
import { CentralApi } from './centralApi.js';
import { GapFollower } from './gapFollower.js';
import { GatewayBook } from './gatewayBook.js';
import { PostgresStore } from './postgresStore.js';
import { Receiver } from './receiver.js';
import { SqliteStore } from './sqliteStore.js';

/**
 * The central receiver, wired on one page: keys → store → receiver (verify, batch, commit) → acks and
 * replay requests → MQTT link on a shared subscription → read-only HTTP API. Start in that order,
 * stop in reverse. Several instances with the same share group split the gateways' messages.
 */
export class Central {
  readonly book = new GatewayBook();
  private store: CentralStore | undefined;
  private link: MqttLink | undefined;
  private receiver: Receiver | undefined;
  private acker: Acker | undefined;
  private gapFollower: GapFollower | undefined;
  private api: CentralApi | undefined;
  private timers: NodeJS.Timeout[] = [];
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly cfg: CentralConfig,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    const cfg = this.cfg;
    const keys = readEnrolledKeys(cfg.keys);
    const centreKey = readCentreKey(cfg.centreKey, this.log);
    const store = cfg.store.postgres !== undefined ? new PostgresStore(cfg.store.postgres) : new SqliteStore(cfg.store.sqlite!);
    await store.open();
    this.store = store;
    const send: Send = (topic, payload) => this.link?.publish(topic, payload, 1, false) ?? false;
    if (cfg.acks.enabled) this.acker = new Acker(centreKey, cfg.acks.maxSeqs, send);
    const opts = { prefix: cfg.broker.topicPrefix, maxMessages: cfg.batch.maxMessages, maxWaitMs: cfg.batch.maxWaitMs };
    this.receiver = new Receiver(keys, store, this.book, this.acker, opts, this.log.child({ stage: 'receive' }));
    if (cfg.replay.enabled) {
      const r = cfg.replay;
      this.gapFollower = new GapFollower(centreKey, { graceMs: r.graceS * 1000, minIntervalMs: r.minIntervalS * 1000, maxAttempts: r.maxAttempts }, send);
    }
    this.link = this.buildLink();
    this.link.start();
    if (this.acker) this.every(cfg.acks.intervalMs, () => this.acker?.flush());
    if (this.gapFollower) this.every(cfg.replay.checkIntervalS * 1000, () => void this.followGaps());
    if (cfg.http.enabled) {
      this.api = new CentralApi(store, this.book, () => this.figures(), (g) => this.gapFollower?.openGaps(g) ?? []);
      await this.api.listen(cfg.http.address, cfg.http.port);
    }
    this.log.info({ gateways: keys.size, store: cfg.store.postgres !== undefined ? 'postgres' : 'sqlite', http: this.api?.address }, 'central started');
  }

  /** Stops taking messages, commits and acks what was received, closes the store. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= this.stopAll();
    return this.stopping;
  }

  /** Where the HTTP API listens (`http://host:port`), once started. */
  get httpUrl(): string | undefined {
    return this.api?.address;
  }

  figures(): Record<string, unknown> {
    return { ...this.receiver?.counters, acks: this.acker?.counters, replayRequests: this.gapFollower?.counters.requests ?? 0, connected: this.link?.connected ?? false };
  }

  private buildLink(): MqttLink {
    const b = this.cfg.broker;
    const p = b.topicPrefix;
    // Every instance follows liveness itself (retained messages are not given to shared subscriptions);
    // the rest is split across the group.
    const subscriptions = [`$share/${b.shareGroup}/${p}/#`, `${p}/+/+/+/state`, `${p}/+/+/+/camera/+/status`];
    return new MqttLink(
      {
        urls: b.urls,
        clientId: b.clientId ?? `central-${hostname()}-${process.pid}`,
        tls: b.tls,
        keepaliveS: b.keepaliveS,
        connectTimeoutS: 30,
        reconnectMinMs: b.reconnectMinMs,
        reconnectMaxMs: b.reconnectMaxMs,
        protocolVersion: 5,
      },
      { onConnect: () => undefined, onDisconnect: () => undefined, onMessage: (t, payload) => this.receiver?.onMessage(t, payload) },
      this.log.child({ stage: 'mqtt' }),
      subscriptions,
    );
  }

  private async followGaps(): Promise<void> {
    if (!this.store || !this.gapFollower || this.stopping) return;
    try {
      // One row per run of sequence numbers instead of one per message keeps the gap search cheap.
      await this.store.compact();
      const [gaps, gateways] = await Promise.all([this.store.gaps(), this.store.gateways()]);
      const sent = this.gapFollower.update(gaps, new Map(gateways.map((g) => [g.id, g.base])), Date.now());
      for (const s of sent) this.log.info(s, 'replay requested for a sequence gap');
    } catch (err) {
      this.log.warn({ err: (err as Error)?.message }, 'gap check failed; retrying next round');
    }
  }

  private async stopAll(): Promise<void> {
    this.timers.forEach((t) => clearInterval(t));
    this.timers = [];
    const link = this.link;
    await this.receiver?.flush();
    this.acker?.flush();
    await link?.stop();
    await this.api?.close();
    await this.store?.close();
  }

  private every(ms: number, fn: () => void): void {
    const t = setInterval(fn, ms);
    t.unref();
    this.timers.push(t);
  }
}

/** The centre's private key; a ConfigError (exit 2) names the file when it is missing or not one. */
function readCentreKey(path: string, log: Logger): KeyObject {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(path, [`centre_key: cannot read the centre's private key (${(err as NodeJS.ErrnoException).code ?? 'error'}); create it with \`edge-agent keys init --key ${path}\``], { cause: err });
  }
  const key = parsePrivateKey(text);
  if (!key) throw new ConfigError(path, ['centre_key: not an Ed25519 private key in PKCS#8 PEM']);
  if ((statSync(path).mode & 0o077) !== 0) log.warn({ file: path }, 'the centre key may be read by other users; chmod 600 it');
  return key;
}
