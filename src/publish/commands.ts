import { readFile } from 'node:fs/promises';
import { Ajv, type ValidateFunction } from 'ajv';
import type { Logger } from '../log/logger.js';
import type { OutboxStatus } from '../store/outboxTypes.js';
import type { SignedInbox } from './signedInbox.js';
import { TOPIC } from './topics.js';

// request/<command> → response/<command> with {status, data?, error?, transaction}. Requests come
// from the network: they are size-checked before anything else, must carry the centre's signature
// (fresh, never seen: see SignedInbox), are schema-checked before use, and every failure becomes an
// error response. Retained requests are refused: the broker would run them again after every
// reconnect. Nothing a request contains can throw out of handle().

/** What commands may read or do; the Uplink supplies it. */
export interface CommandContext {
  /** The same object the periodic health message carries. */
  health(): Promise<Record<string, unknown>>;
  outboxStatus(): OutboxStatus;
  /** Path of the JPEG kept for an alert id, if the outbox still knows the alert. */
  snapshotPath(alertId: string): string | undefined;
  /** Re-queues at most `maxRows` delivered rows; returns how many. */
  replay(since: { seq?: number; ts?: number }, maxRows: number): number;
}

export interface CommandLimits {
  /** Larger requests are refused unread. */
  maxBytes: number;
  /** Most rows one replay re-queues. */
  replayMaxRows: number;
  /** A replay sooner than this after the previous one is refused. */
  replayMinIntervalMs: number;
}

export interface CommandReply {
  /** Suffix below the base topic. */
  topic: string;
  payload: Buffer;
}

const transaction = { anyOf: [{ type: 'string', maxLength: 128 }, { type: 'integer' }] };
const plain = { type: 'object', properties: { transaction }, additionalProperties: false };
const SCHEMAS: Record<string, object> = {
  ping: plain,
  health: plain,
  outbox_status: plain,
  snapshot: {
    type: 'object',
    properties: {
      transaction,
      alert_id: { type: 'string', minLength: 1, maxLength: 200 },
      encoding: { enum: ['base64', 'binary'] },
    },
    required: ['alert_id'],
    additionalProperties: false,
  },
  replay: {
    type: 'object',
    properties: { transaction, since_seq: { type: 'integer', minimum: 0 }, since_ts: { type: 'integer', minimum: 0 } },
    oneOf: [{ required: ['since_seq'] }, { required: ['since_ts'] }],
    additionalProperties: false,
  },
};

const MAX_SNAPSHOT_BYTES = 8 * 1024 * 1024;

type Request = Record<string, unknown> & { transaction?: string | number };

/** A request that cannot be served, with the reason for the requester. */
class CommandRefused extends Error {}

/** Figures about the requests received; for the health message and tests. */
export interface CommandCounters {
  /** Requests answered with status ok. */
  answered: number;
  /** Requests refused before running (too large, not JSON, invalid, unknown command). */
  refused: number;
  /** Requests that failed while running (an expected refusal or an internal error). */
  failed: number;
}

export class CommandHandler {
  readonly counters: CommandCounters = { answered: 0, refused: 0, failed: 0 };
  private validators: Map<string, ValidateFunction> | undefined;
  private lastReplayTs = -Infinity;

  constructor(
    private readonly ctx: CommandContext,
    private readonly limits: CommandLimits,
    private readonly inbox: SignedInbox,
    private readonly log: Logger,
  ) {}

  /** Names of the commands this gateway answers. */
  static readonly commands = Object.keys(SCHEMAS);

  /**
   * Answers one request that arrived on `fullTopic` (the signature covers it); never throws and never
   * rejects. `retained`: the broker delivered a stored message, not a live one.
   */
  async handle(command: string, payload: Buffer, fullTopic: string, retained = false): Promise<CommandReply[]> {
    const topic = TOPIC.response(command);
    const parsed = retained ? 'retained requests are ignored; publish requests without the retain flag' : this.parse(command, payload, fullTopic);
    if (typeof parsed === 'string') {
      this.counters.refused++;
      this.log.warn({ command: shown(command), bytes: payload.length, error: parsed }, 'bad command refused');
      return [reply(topic, { status: 'error', error: parsed, transaction: null })];
    }
    const tx = parsed.transaction ?? null;
    try {
      const { data, extra } = await this.run(command, parsed);
      this.counters.answered++;
      return [reply(topic, { status: 'ok', data, transaction: tx }), ...(extra ? [extra] : [])];
    } catch (err) {
      this.counters.failed++;
      if (err instanceof CommandRefused) return [reply(topic, { status: 'error', error: err.message, transaction: tx })];
      // A fault of the gateway, not of the request: its text stays in the log.
      this.log.warn({ command, err: (err as Error)?.message ?? String(err) }, 'command failed');
      return [reply(topic, { status: 'error', error: `the gateway could not answer ${command}; see its log`, transaction: tx })];
    }
  }

  private parse(command: string, payload: Buffer, fullTopic: string): Request | string {
    const max = this.limits.maxBytes;
    if (payload.length > max) return `request too large (${payload.length} bytes, at most ${max})`;
    const validate = this.validator(command);
    if (!validate) return `unknown command "${shown(command)}"; known: ${CommandHandler.commands.join(', ')}`;
    const value = this.inbox.open(fullTopic, payload);
    if (typeof value === 'string') return `request refused: ${value}`;
    if (!validate(value)) {
      const e = validate.errors?.[0];
      return `invalid request: ${e ? `${e.instancePath || '(top)'} ${e.message}` : 'does not match the schema'}`;
    }
    return value as Request;
  }

  private async run(command: string, req: Request): Promise<{ data: unknown; extra?: CommandReply }> {
    switch (command) {
      case 'ping':
        return { data: { ts: Date.now() } };
      case 'health':
        return { data: await this.ctx.health() };
      case 'outbox_status':
        return { data: this.ctx.outboxStatus() };
      case 'replay':
        return this.replay(req);
      default:
        return this.snapshot(req);
    }
  }

  private replay(req: Request): { data: unknown } {
    const now = Date.now();
    const waitS = Math.ceil((this.lastReplayTs + this.limits.replayMinIntervalMs - now) / 1000);
    if (waitS > 0) throw new CommandRefused(`a replay ran less than ${this.limits.replayMinIntervalMs / 1000} s ago; try again in ${waitS} s`);
    this.lastReplayTs = now;
    const max = this.limits.replayMaxRows;
    const requeued = this.ctx.replay({ seq: req['since_seq'] as number | undefined, ts: req['since_ts'] as number | undefined }, max);
    return { data: { requeued, ...(requeued >= max ? { capped: true, next: 'ask again later from the last sequence number received' } : {}) } };
  }

  private async snapshot(req: Request): Promise<{ data: unknown; extra?: CommandReply }> {
    const alertId = req['alert_id'] as string;
    const path = this.ctx.snapshotPath(alertId);
    if (!path) throw new CommandRefused(`no snapshot known for alert "${alertId}"`);
    const jpeg = await readFile(path).catch((err: NodeJS.ErrnoException) => {
      throw new CommandRefused(`snapshot of "${alertId}" is no longer on disk (${err.code ?? 'unreadable'})`);
    });
    if (jpeg.length > MAX_SNAPSHOT_BYTES) throw new CommandRefused(`snapshot of "${alertId}" is too large (${jpeg.length} bytes)`);
    if (req['encoding'] === 'binary') {
      const topic = `${TOPIC.response('snapshot')}/${encodeURIComponent(String(req.transaction ?? alertId)).replace(/[+#/]/g, '_')}`;
      return { data: { alert_id: alertId, bytes: jpeg.length, topic }, extra: { topic, payload: jpeg } };
    }
    return { data: { alert_id: alertId, bytes: jpeg.length, jpeg_base64: jpeg.toString('base64') } };
  }

  private validator(command: string): ValidateFunction | undefined {
    if (!this.validators) {
      const ajv = new Ajv({ allErrors: false, strict: false });
      this.validators = new Map(Object.entries(SCHEMAS).map(([k, s]) => [k, ajv.compile(s)]));
    }
    return this.validators.get(command);
  }
}

/** A command name from a topic, fit to quote: printable and short. */
function shown(command: string): string {
  const clean = command.replace(/[^\x20-\x7e]/g, '?');
  return clean.length > 64 ? `${clean.slice(0, 64)}...` : clean;
}

function reply(topic: string, body: Record<string, unknown>): CommandReply {
  return { topic, payload: Buffer.from(JSON.stringify(body)) };
}
