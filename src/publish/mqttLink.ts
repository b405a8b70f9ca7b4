import { readFileSync } from 'node:fs';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import { redactUri } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { UplinkError } from './uplinkError.js';

// The one module that imports mqtt. It owns connecting, failover across broker URLs and capped
// exponential backoff with jitter. mqtt.js's own reconnect is off: it retries one URL at a fixed
// period, and its offline queue would hold messages the outbox already holds durably. A fresh
// client per attempt means nothing from a dead connection is resent behind the outbox's back.

export interface LinkOptions {
  urls: string[];
  clientId: string;
  username?: string;
  /** Never logged. */
  password?: string;
  tls: { ca?: string; cert?: string; key?: string; rejectUnauthorized: boolean };
  keepaliveS: number;
  connectTimeoutS: number;
  reconnectMinMs: number;
  reconnectMaxMs: number;
  /** Last will, published retained by the broker if the connection dies; none when absent. */
  will?: { topic: string; payload: string };
  /** MQTT protocol: 4 (3.1.1, the default; what every bridge speaks) or 5 (shared subscriptions). */
  protocolVersion?: 4 | 5;
}

export interface LinkHandlers {
  /** Called on every successful connection, before anything is published on it. */
  onConnect(url: string): void;
  /** Called once per lost or failed connection. */
  onDisconnect(): void;
  /**
   * Messages on subscribed topics; the payload buffer is owned by the handler. `retained`: the
   * broker delivered a stored message on subscribing, not one published now.
   */
  onMessage(topic: string, payload: Buffer, retained: boolean): void;
}

export type PublishDone = (err?: Error) => void;

const noLog = (): void => undefined;

export class MqttLink {
  private client: MqttClient | undefined;
  private generation = 0;
  private failures = 0;
  private urlIndex = 0;
  private wasConnected = false;
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;
  private files: { ca?: Buffer; cert?: Buffer; key?: Buffer } = {};

  constructor(
    private readonly opts: LinkOptions,
    private readonly handlers: LinkHandlers,
    private readonly log: Logger,
    private readonly subscriptions: string[],
  ) {}

  /** Reads TLS files (a missing one is fatal at start) and begins connecting. Idempotent. */
  start(): void {
    if (!this.stopped) return;
    const t = this.opts.tls;
    this.files = {};
    for (const key of ['ca', 'cert', 'key'] as const) {
      const path = t[key];
      if (path === undefined) continue;
      try {
        this.files[key] = readFileSync(path);
      } catch (err) {
        throw new UplinkError(`mqtt.tls.${key}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'}); check the path and that the agent user may read it`, { cause: err });
      }
    }
    this.stopped = false;
    this.attempt();
  }

  /** True while a connection is up (CONNACK received, not closed). */
  get connected(): boolean {
    return this.client?.connected === true;
  }

  /**
   * Publishes on the current connection. `done` runs once: after the PUBACK (QoS 1), or with an
   * error if the connection is lost first. Returns false, without calling `done`, when offline.
   */
  publish(topic: string, payload: Buffer | string, qos: 0 | 1, retain: boolean, done?: PublishDone): boolean {
    const client = this.client;
    if (!client?.connected) return false;
    const gen = this.generation;
    client.publish(topic, payload, { qos, retain }, (err) => {
      if (gen !== this.generation) return;
      done?.(err ?? undefined);
    });
    return true;
  }

  /** Publishes `last` (e.g. the offline state) if connected, then closes. Idempotent. */
  async stop(last?: { topic: string; payload: string }): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.timer);
    const client = this.client;
    this.client = undefined;
    this.generation++;
    if (!client) return;
    if (last && client.connected) {
      await new Promise<void>((resolve) => {
        const guard = setTimeout(resolve, 2000);
        client.publish(last.topic, last.payload, { qos: 1, retain: true }, () => {
          clearTimeout(guard);
          resolve();
        });
      });
    }
    await new Promise<void>((resolve) => client.end(true, {}, () => resolve()));
  }

  private attempt(): void {
    if (this.stopped) return;
    const url = this.opts.urls[this.urlIndex % this.opts.urls.length]!;
    const gen = ++this.generation;
    const client = connect(url, this.clientOptions());
    this.client = client;
    client.on('connect', () => {
      if (gen !== this.generation) return;
      this.failures = 0;
      this.wasConnected = true;
      this.log.info({ url: redactUri(url) }, 'mqtt connected');
      if (this.subscriptions.length > 0) {
        client.subscribe(this.subscriptions, { qos: 1 }, (err, granted) => {
          // A broker ACL (or one without shared subscriptions) refuses a filter with a code >= 128.
          const refused = (granted ?? []).filter((g) => g.qos >= 128).map((g) => g.topic);
          if (err || refused.length > 0) this.log.error({ url: redactUri(url), refused, err: err?.message }, 'subscription refused by the broker; check its ACL');
        });
      }
      this.handlers.onConnect(url);
    });
    client.on('message', (topic, payload, packet) => {
      if (gen === this.generation) this.handlers.onMessage(topic, payload, packet.retain === true);
    });
    client.on('error', (err) => {
      if (gen === this.generation) this.log.warn({ url: redactUri(url), err: err.message }, 'mqtt error');
    });
    client.on('close', () => this.onClose(gen, client, url));
  }

  private onClose(gen: number, client: MqttClient, url: string): void {
    if (gen !== this.generation || this.stopped) return;
    this.generation++;
    client.removeAllListeners('connect');
    client.end(true);
    if (this.wasConnected) {
      this.log.warn({ url: redactUri(url) }, 'mqtt connection lost');
      this.handlers.onDisconnect();
    } else {
      // Failed attempt: fail over to the next broker.
      this.urlIndex++;
    }
    this.wasConnected = false;
    const cap = Math.min(this.opts.reconnectMaxMs, this.opts.reconnectMinMs * 2 ** Math.min(this.failures, 30));
    this.failures++;
    // Equal jitter: at least half the backoff, so a site full of gateways does not reconnect in step.
    const delay = cap / 2 + Math.random() * (cap / 2);
    this.timer = setTimeout(() => this.attempt(), delay);
  }

  private clientOptions(): IClientOptions {
    const o = this.opts;
    return {
      clientId: o.clientId,
      clean: true,
      reconnectPeriod: 0,
      connectTimeout: o.connectTimeoutS * 1000,
      keepalive: o.keepaliveS,
      protocolVersion: o.protocolVersion ?? 4,
      resubscribe: false,
      queueQoSZero: false,
      // mqtt.js's default logger builds its arguments for every packet even when disabled (a third
      // of what a drained row allocates); the link logs what matters itself.
      log: noLog,
      ...(o.username !== undefined ? { username: o.username } : {}),
      ...(o.password !== undefined ? { password: o.password } : {}),
      ...this.files,
      rejectUnauthorized: o.tls.rejectUnauthorized,
      ...(o.will ? { will: { topic: o.will.topic, payload: Buffer.from(o.will.payload), qos: 1, retain: true } } : {}),
    };
  }
}

/**
 * Subscribes to `topics` on one broker for `ms`, handing every message to `onMessage` (for tools such
 * as `edge-agent verify --url`). Resolves when the time is up; rejects if the broker cannot be reached.
 */
export async function listen(url: string, topics: string[], ms: number, onMessage: (topic: string, payload: Buffer) => void): Promise<void> {
  const client = connect(url, { reconnectPeriod: 0, connectTimeout: 10_000 });
  try {
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => client.subscribe(topics, { qos: 1 }, (err) => (err ? reject(err) : resolve())));
      client.once('error', (err) => reject(new UplinkError(`cannot subscribe at ${redactUri(url)} (${(err as NodeJS.ErrnoException).code ?? err.message})`, { cause: err })));
      client.once('close', () => reject(new UplinkError(`cannot reach ${redactUri(url)}`)));
    });
    client.on('message', (topic, payload) => onMessage(topic, payload));
    await new Promise((r) => setTimeout(r, ms));
  } finally {
    await new Promise<void>((resolve) => client.end(true, {}, () => resolve()));
  }
}
