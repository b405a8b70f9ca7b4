import type { KeyObject } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { mqttWarnings } from '../config/tlsCheck.js';
import type { MqttConfig, OutboxConfig } from '../config/uplinkSchema.js';
import type { CameraHealthSource } from '../health/cameraHealth.js';
import { sampleSystem } from '../health/systemHealth.js';
import type { Logger } from '../log/logger.js';
import { Outbox } from '../store/outbox.js';
import type { OutboxStatus } from '../store/outboxTypes.js';
import type { Alert, AlertSink } from '../types.js';
import { CommandHandler } from './commands.js';
import { MqttLink } from './mqttLink.js';
import { alertRecord, droppedRecord, snapshotRecord } from './payload.js';
import { Publisher } from './publisher.js';
import { baseTopic, TOPIC } from './topics.js';
import { parsePublicKey, signPayload } from '../verify/keys.js';
import { payloadSealer } from './sealer.js';
import { SignedInbox } from './signedInbox.js';
import { UplinkError } from './uplinkError.js';
import { admitAck, cameraStatusBody, healthBody, infoBody } from './uplinkMessages.js';

/** What the gateway says about itself on the retained `info` topic. */
export interface GatewayInfo {
  /** Agent version. */
  version: string;
  /** Configured camera ids. */
  cameras: string[];
  /** Models in use and the sha256 of their files. */
  models: { id: string; sha256: string }[];
  /** Hash of the effective configuration, so the centre can tell two gateways' settings apart. */
  configHash: string;
}

export interface UplinkContext {
  gateway: { id: string; province: string; commune: string };
  info: GatewayInfo;
  /** Folder a relative outbox path is resolved against (the config file's folder). */
  baseDir: string;
  /** Per-camera figures for the health message; optional. */
  cameraHealth?: CameraHealthSource;
  /** Alerts raised but not yet committed to the outbox (a commit failed and is being retried). */
  uncommitted?: () => number;
  /**
   * The gateway's Ed25519 private key (see config/gatewayKey.ts). Required with MQTT: everything
   * the gateway publishes, except the retained state the broker also writes as last will and raw
   * snapshot JPEGs, carries its signature. Never logged or published; only its public half is.
   */
  signingKey?: KeyObject;
}

export interface UplinkConfig {
  outbox: OutboxConfig;
  /** Without it the outbox still stores every alert, to be sent once MQTT is configured. */
  mqtt?: MqttConfig | undefined;
}

const MAINTAIN_MS = 60_000;
const POLL_MS = 1000;
const STOP_DRAIN_MS = 3000;

/**
 * The store-and-forward uplink the agent composes: the outbox, the MQTT link and publisher, the
 * request/response commands and the periodic health message. Start before the cameras, stop after.
 */
export class Uplink implements AlertSink {
  readonly name = 'uplink';
  private outbox: Outbox | undefined;
  private link: MqttLink | undefined;
  private publisher: Publisher | undefined;
  private commands: CommandHandler | undefined;
  private inbox: SignedInbox | undefined;
  private timers: NodeJS.Timeout[] = [];
  private readonly cameraStatus = new Map<string, string>();
  /** Messages from the broker that were dropped, by kind (ack, ackBeyondSent, command, topic, message). */
  readonly rejectedMessages: Record<string, number> = {};
  private healthSeq = 0;
  private starting: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly cfg: UplinkConfig,
    private readonly ctx: UplinkContext,
    private readonly log: Logger,
  ) {}

  /** Opens the outbox (fatal if impossible) and starts connecting. Idempotent. */
  start(): Promise<void> {
    this.starting ??= this.startAll();
    return this.starting;
  }

  /** Publishes the offline state when connected, closes the link and the outbox. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= this.stopAll();
    return this.stopping;
  }

  /** Commits the alert (and its snapshot reference, when configured) before returning. */
  emit(alert: Alert): void {
    const outbox = this.requireOutbox();
    if (alert.class === 'snapshot' && !alert.snapshot) {
      this.log.warn({ id: alert.id }, 'snapshot alert without a snapshot file: ignored');
      return;
    }
    const snapshotFollows = this.cfg.mqtt?.publishSnapshots === true && alert.snapshot !== undefined && alert.class !== 'snapshot';
    outbox.insert(alert.class === 'snapshot' ? snapshotRecord(alert as Alert & { snapshot: string }) : alertRecord(alert, snapshotFollows));
    if (snapshotFollows) {
      outbox.insert(snapshotRecord(alert as Alert & { snapshot: string }));
    }
    this.publisher?.kick();
  }

  /**
   * Sets a camera's retained status; republished after every reconnect. The message carries the
   * camera id, its state, the kind of error (a StreamError's kind) and any figures given (counters),
   * never an error's text: that text can quote the stream URI, and the status travels over every
   * bridge. `error` may be the error itself or its message; a message becomes the kind "error".
   */
  setCameraStatus(cameraId: string, status: { state: string; error?: unknown; [figure: string]: unknown }): void {
    const body = cameraStatusBody(cameraId, status);
    this.cameraStatus.set(cameraId, body);
    this.publishSigned(TOPIC.cameraStatus(cameraId), body, true);
  }

  /** Outbox depth, ages and evictions. */
  status(): OutboxStatus {
    return this.requireOutbox().status();
  }

  /** Undelivered rows in the outbox; cheap. */
  depth(): number {
    return this.requireOutbox().depth();
  }

  /** True while a broker connection is up. */
  get connected(): boolean {
    return this.link?.connected === true;
  }

  private async startAll(): Promise<void> {
    const gw = this.ctx.gateway.id;
    const path = resolve(this.ctx.baseDir, this.cfg.outbox.path);
    const log = this.log.child({ stage: 'outbox' });
    this.outbox = new Outbox(path, this.cfg.outbox, (d) => droppedRecord(gw, d), log);
    this.outbox.open();
    this.outbox.maintain();
    this.every(MAINTAIN_MS, () => this.outbox?.maintain());
    const mqtt = this.cfg.mqtt;
    if (!mqtt) {
      this.log.warn({ file: path }, 'no mqtt configured: alerts are kept in the outbox only');
      return;
    }
    this.startMqtt(mqtt, dirname(path));
  }

  private startMqtt(mqtt: MqttConfig, diskPath: string): void {
    const outbox = this.outbox!;
    const base = this.base();
    const log = this.log.child({ stage: 'publish' });
    const key = this.ctx.signingKey;
    // Never an unsigned run: the caller loads the key and stops with a config error when it cannot.
    if (!key) throw new UplinkError('no gateway signing key given; create one with `edge-agent keys init`');
    this.inbox = new SignedInbox(mqtt.centreKey === undefined ? undefined : parsePublicKey(mqtt.centreKey), mqtt.commandWindowS * 1000);
    if (mqtt.centreKey === undefined) log.warn('no mqtt.centre_key: every request/<command> is refused');
    for (const warning of mqttWarnings(mqtt)) log.warn({ warning }, 'insecure mqtt setting');
    const offline = JSON.stringify({ state: 'offline', boot: outbox.boot });
    this.link = new MqttLink(
      {
        ...mqtt,
        clientId: mqtt.clientId ?? `edge-${this.ctx.gateway.id}`,
        will: { topic: `${base}/${TOPIC.state}`, payload: offline },
      },
      { onConnect: () => this.onConnect(), onDisconnect: () => this.publisher?.onDisconnect(), onMessage: (t, p, r) => this.onMessage(t, p, r) },
      log,
      [`${base}/request/+`, ...(mqtt.e2eAck.enabled ? [`${base}/${TOPIC.ack}`] : [])],
    );
    const sealer = payloadSealer({ base, format: mqtt.payloadFormat, gateway: this.ctx.gateway.id, key });
    outbox.sealWith(sealer);
    outbox.markInBackground();
    const opts = { base, maxInFlight: mqtt.maxInFlight, drainRatePerS: mqtt.drainRatePerS, e2e: mqtt.e2eAck.enabled, sealer };
    this.publisher = new Publisher(outbox, this.link, opts, log);
    this.commands = new CommandHandler(
      {
        health: () => this.healthObject(diskPath),
        outboxStatus: () => outbox.status(),
        snapshotPath: (id) => outbox.findByAlertId(id)?.file ?? undefined,
        replay: (since, maxRows) => this.replay(since, maxRows),
      },
      { maxBytes: mqtt.maxCommandBytes, replayMaxRows: mqtt.replayMaxRows, replayMinIntervalMs: mqtt.replayMinIntervalS * 1000 },
      this.inbox,
      log,
    );
    this.link.start();
    this.every(POLL_MS, () => this.publisher?.kick(true));
    if (mqtt.e2eAck.enabled) {
      this.every(Math.min(mqtt.e2eAck.timeoutS * 500, 5000), () => {
        if (outbox.requeueUnacked(Date.now() - mqtt.e2eAck.timeoutS * 1000) > 0) this.publisher?.kick(true);
      });
    }
    if (mqtt.healthIntervalS > 0) {
      // A health message that cannot be sampled or committed (a busy or full disk) is skipped; the next one follows.
      this.every(mqtt.healthIntervalS * 1000, () => {
        this.enqueueHealth(diskPath).catch((err: unknown) => this.log.warn({ err }, 'health message skipped'));
      });
    }
  }

  private onConnect(): void {
    const base = this.base();
    const online = JSON.stringify({ state: 'online', boot: this.outbox!.boot, ts: Date.now() });
    this.link!.publish(`${base}/${TOPIC.state}`, Buffer.from(online), 1, true);
    this.publishSigned(TOPIC.info, infoBody(this.ctx.info, this.outbox!.boot, this.ctx.signingKey!), true);
    for (const [cam, body] of this.cameraStatus) this.publishSigned(TOPIC.cameraStatus(cam), body, true);
    this.publisher!.onConnect();
  }

  /**
   * Everything that arrives from the broker comes through here. Nothing in a message may throw out
   * of it (mqtt.js would take the process down) or leave a promise rejected: a message that cannot
   * be handled is counted, logged and dropped.
   */
  private onMessage(topic: string, payload: Buffer, retained: boolean): void {
    const base = this.base();
    try {
      if (topic === `${base}/${TOPIC.ack}`) return this.onAck(topic, payload, retained);
      if (!topic.startsWith(`${base}/request/`)) return this.refuse('topic', payload, 'message on an unexpected topic ignored');
      const command = topic.slice(`${base}/request/`.length);
      this.commands!.handle(command, payload, topic, retained)
        .then((replies) => {
          // Binary snapshot JPEGs go as they are; every JSON response is signed.
          for (const r of replies) {
            if (r.topic === TOPIC.response(command)) this.publishSigned(r.topic, r.payload, false);
            else this.link?.publish(`${base}/${r.topic}`, r.payload, 1, false);
          }
        })
        .catch((err: unknown) => this.refuse('command', payload, 'command could not be answered', err));
    } catch (err) {
      this.refuse('message', payload, 'message from the broker could not be handled', err);
    }
  }

  private onAck(topic: string, payload: Buffer, retained: boolean): void {
    const v = admitAck(this.inbox!, topic, payload, retained, this.publisher?.highestSent ?? 0);
    if ('refused' in v) return this.refuse('ack', payload, v.refused, v.reason);
    if (v.beyondSent) this.refuse('ackBeyondSent', payload, 'end-to-end ack names rows not sent yet; those are ignored');
    this.outbox?.ack(v.ack);
  }

  /** Publishes a JSON or CBOR body below the base topic with the gateway's signature. */
  private publishSigned(suffix: string, body: string | Buffer, retain: boolean): void {
    const key = this.ctx.signingKey;
    const topic = `${this.base()}/${suffix}`;
    if (!key || !this.link) return;
    this.link.publish(topic, signPayload(key, topic, Buffer.from(body)), 1, retain);
  }

  private refuse(kind: string, payload: Buffer, message: string, err?: unknown): void {
    const n = (this.rejectedMessages[kind] = (this.rejectedMessages[kind] ?? 0) + 1);
    // A flood of bad messages must not become a flood of log lines: the first ten, then one in a thousand.
    if (n <= 10 || n % 1000 === 0) {
      this.log.warn({ kind, count: n, bytes: payload.length, ...(err ? { err: (err as Error)?.message ?? String(err) } : {}) }, message);
    }
  }

  private replay(since: { seq?: number; ts?: number }, maxRows: number): number {
    const n = this.outbox!.replay(since, maxRows);
    this.publisher?.kick(true);
    return n;
  }

  private async enqueueHealth(diskPath: string): Promise<void> {
    if (!this.outbox || this.stopping) return;
    const body = await this.healthObject(diskPath);
    if (!this.outbox || this.stopping) return;
    const ts = body['ts'] as number;
    this.outbox.insert({ id: `${this.ctx.gateway.id}-health-${this.outbox.boot}-${++this.healthSeq}`, class: 'health', ts, topic: TOPIC.health, body: JSON.stringify(body) });
    this.publisher?.kick();
  }

  private async healthObject(diskPath: string): Promise<Record<string, unknown>> {
    const system = await sampleSystem(diskPath);
    return healthBody(system, this.ctx.cameraHealth?.() ?? {}, this.outbox!.status(), this.publisher?.counters, this.ctx.uncommitted?.() ?? 0);
  }

  private async stopAll(): Promise<void> {
    await this.starting?.catch(() => undefined);
    await this.drainBriefly(STOP_DRAIN_MS);
    this.timers.forEach((t) => clearInterval(t));
    this.timers = [];
    const offline = JSON.stringify({ state: 'offline', boot: this.outbox?.boot ?? 0, ts: Date.now() });
    await this.link?.stop({ topic: `${this.base()}/${TOPIC.state}`, payload: offline });
    this.publisher?.flushAcks();
    await this.outbox?.stopMarking();
    this.outbox?.close();
  }

  /**
   * On a clean stop, gives rows still pending (often the last count summaries, flushed by the stop
   * itself) a short chance to go out while connected. Whatever is left stays in the outbox.
   */
  private async drainBriefly(maxMs: number): Promise<void> {
    const until = Date.now() + maxMs;
    while (this.connected && this.outbox && this.outbox.depth() > 0 && Date.now() < until) {
      this.publisher?.kick();
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Runs `fn` every `ms`; a failure (a busy or full database) is logged and the next round tries again. */
  private every(ms: number, fn: () => void): void {
    const t = setInterval(() => {
      try {
        fn();
      } catch (err) {
        this.log.warn({ err }, 'periodic outbox work failed; retrying next round');
      }
    }, ms);
    t.unref();
    this.timers.push(t);
  }

  private base(): string {
    const g = this.ctx.gateway;
    return baseTopic({ prefix: this.cfg.mqtt?.topicPrefix ?? 'edge', province: g.province, commune: g.commune, gateway: g.id });
  }

  private requireOutbox(): Outbox {
    if (!this.outbox) throw new Error('Uplink used before start()');
    return this.outbox;
  }
}
