import { Type, type Static } from '@sinclair/typebox';

// Outbox (store-and-forward) and MQTT uplink settings. Keys are camelCase here; operators write
// snake_case. Defaults suit a gateway with a few GB of flash and an uplink that may be down for days.

const Int = (min: number, max: number, dflt: number, description: string) =>
  Type.Integer({ minimum: min, maximum: max, default: dflt, description });

const ClassLimit = (rows: number, mb: number, ageS: number, what: string) =>
  Type.Object(
    {
      maxRows: Int(1, 10_000_000, rows, `Most ${what} rows kept; beyond it the oldest are evicted.`),
      maxMb: Type.Number({ minimum: 0.001, maximum: 100_000, default: mb, description: `Most MB of ${what} rows kept.` }),
      maxAgeS: Int(60, 365 * 86400, ageS, `${what} rows older than this are evicted (seconds).`),
    },
    { additionalProperties: false, default: {} },
  );

export const OutboxLimitsSchema = Type.Object(
  {
    alert: ClassLimit(200_000, 200, 30 * 86400, 'alert'),
    health: ClassLimit(20_000, 20, 7 * 86400, 'health telemetry'),
    count: ClassLimit(50_000, 20, 14 * 86400, 'count summary'),
    snapshot: ClassLimit(2_000, 200, 2 * 86400, 'snapshot'),
  },
  {
    additionalProperties: false,
    default: {},
    description:
      'Per-class limits. health, count and snapshot rows are evicted oldest first; alerts last, and evicted alerts are replaced by one summary row.',
  },
);

export const OutboxSchema = Type.Object(
  {
    path: Type.String({ default: 'var/outbox.db', description: 'SQLite outbox file, relative to the config file.' }),
    synchronous: Type.Union([Type.Literal('full'), Type.Literal('normal')], {
      default: 'full',
      description:
        'full: every emitted alert is on disk before emit returns, even through a power cut; normal: survives a process crash but the last commits may be lost on power loss (faster on slow flash).',
    }),
    maxDbMb: Type.Number({
      minimum: 0.1,
      maximum: 100_000,
      default: 1024,
      description: 'Hard cap on the database file; reaching it (or a full disk) evicts by priority: delivered, snapshot, health, count, then alerts.',
    }),
    retainDeliveredS: Int(0, 30 * 86400, 86400, 'Delivered rows are kept this long so that `outbox replay` can resend them (0: delete at once).'),
    limits: OutboxLimitsSchema,
  },
  { additionalProperties: false, default: {} },
);

export const MqttTlsSchema = Type.Object(
  {
    ca: Type.Optional(Type.String({ description: 'PEM file of the CA that signed the broker certificate.' })),
    cert: Type.Optional(Type.String({ description: 'PEM client certificate (mutual TLS).' })),
    key: Type.Optional(Type.String({ description: 'PEM private key of the client certificate.' })),
    rejectUnauthorized: Type.Boolean({ default: true, description: 'Verify the broker certificate; false only for lab tests.' }),
  },
  { additionalProperties: false, default: {} },
);

export const MqttSchema = Type.Object(
  {
    urls: Type.Array(Type.String({ pattern: '^(mqtt|mqtts|tcp|ssl|ws|wss)://.+' }), {
      minItems: 1,
      maxItems: 8,
      description: 'Broker URLs tried in order (failover); after a failure the next one is tried.',
    }),
    topicPrefix: Type.String({
      pattern: '^[a-z0-9][a-z0-9_-]{0,31}$',
      default: 'edge',
      description: 'First topic level: <prefix>/<province>/<commune>/<gateway>/...',
    }),
    clientId: Type.Optional(
      Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$', description: 'MQTT client id; default edge-<gateway id>, stable across restarts.' }),
    ),
    username: Type.Optional(Type.String({ maxLength: 256, description: 'Broker user; write ${NAME} to take it from the secrets.' })),
    password: Type.Optional(Type.String({ maxLength: 1024, description: 'Broker password; write ${NAME}. Never logged.' })),
    tls: MqttTlsSchema,
    keepaliveS: Int(5, 3600, 60, 'MQTT keepalive; a dead link is noticed after about 1.5 times this.'),
    connectTimeoutS: Int(1, 300, 30, 'Give up one connection attempt after this long and try the next URL.'),
    reconnectMinMs: Int(100, 600_000, 1000, 'First reconnect delay; doubles per failure (with jitter) up to reconnect_max_ms.'),
    reconnectMaxMs: Int(1000, 3_600_000, 60_000, 'Longest reconnect delay.'),
    maxInFlight: Int(1, 1000, 64, 'QoS 1 messages published and not yet acknowledged by the broker.'),
    drainRatePerS: Int(0, 100_000, 0, 'Most messages per second sent from the outbox (0: no limit); spares a thin uplink.'),
    e2eAck: Type.Object(
      {
        enabled: Type.Boolean({
          default: false,
          description: 'Keep rows until the central application acks them on <base>/ack (a PUBACK only proves one bridge hop).',
        }),
        timeoutS: Int(5, 7 * 86400, 300, 'Rows sent but not acked by the centre after this long are sent again.'),
      },
      { additionalProperties: false, default: {} },
    ),
    healthIntervalS: Int(0, 86400, 60, 'Period of the health message (0: never).'),
    payloadFormat: Type.Union([Type.Literal('json'), Type.Literal('cbor')], {
      default: 'json',
      description: 'Encoding of alert, count and health payloads; state, info and responses are always JSON.',
    }),
    publishSnapshots: Type.Boolean({
      default: false,
      description: 'Also send each alert snapshot JPEG on camera/<id>/snapshot/<alert id> (lowest priority); otherwise only on request.',
    }),
    maxCommandBytes: Int(64, 65536, 4096, 'Larger request/<command> payloads are refused with an error response.'),
    centreKey: Type.Optional(
      Type.String({
        maxLength: 4096,
        description:
          "Public key of the central application (the 43-character text `edge-agent keys show --key centre.key` prints, or an SPKI PEM). Requests and end-to-end acks must be signed with its private key; without it every request is refused and e2e_ack cannot be enabled.",
      }),
    ),
    commandWindowS: Int(10, 86400, 300, 'Signed requests and acks older or further in the future than this are refused as stale; their nonces are remembered this long.'),
    replayMaxRows: Int(1, 10_000_000, 10_000, 'Most delivered rows one request/replay re-queues.'),
    replayMinIntervalS: Int(0, 86400, 60, 'A request/replay within this many seconds of the previous one is refused.'),
  },
  { additionalProperties: false },
);

export type OutboxConfig = Static<typeof OutboxSchema>;
export type OutboxLimits = Static<typeof OutboxLimitsSchema>;
export type MqttConfig = Static<typeof MqttSchema>;
