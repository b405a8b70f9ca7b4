import { Type, type Static } from '@sinclair/typebox';

// The centre's one config schema: defaults, bounds and a description per field; unknown keys are
// refused. Operators write snake_case; the loader maps it to these camelCase keys.

const Int = (min: number, max: number, dflt: number, description: string) => Type.Integer({ minimum: min, maximum: max, default: dflt, description });
/** One topic level: the pattern's description is what an operator sees when a value does not match. */
const Id = (dflt: string, what: string) =>
  Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$', default: dflt, description: `${what}: letters, digits, "_", "-", "."` });

const BrokerSchema = Type.Object(
  {
    urls: Type.Array(Type.String({ pattern: '^(mqtt|mqtts|ws|wss)://', maxLength: 2048, description: 'mqtt://, mqtts://, ws:// or wss:// URL' }), {
      minItems: 1,
      maxItems: 16,
      description: 'Brokers to subscribe at, tried in order.',
    }),
    clientId: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'MQTT client id; default central-<host>-<pid>.' })),
    // Instances with the same group split the messages.
    shareGroup: Id('central', 'shared-subscription group'),
    topicPrefix: Id('edge', "the gateways' mqtt.topic_prefix"),
    tls: Type.Object(
      {
        ca: Type.Optional(Type.String({ description: 'PEM file of the CA that signed the broker certificate.' })),
        cert: Type.Optional(Type.String({ description: 'PEM client certificate (mutual TLS).' })),
        key: Type.Optional(Type.String({ description: 'PEM private key of the client certificate.' })),
        rejectUnauthorized: Type.Boolean({ default: true, description: 'Verify the broker certificate.' }),
      },
      { additionalProperties: false, default: {} },
    ),
    keepaliveS: Int(5, 3600, 60, 'MQTT keepalive, seconds.'),
    reconnectMinMs: Int(10, 600_000, 500, 'First reconnect delay.'),
    reconnectMaxMs: Int(100, 3_600_000, 30_000, 'Longest reconnect delay.'),
  },
  { additionalProperties: false },
);

const StoreSchema = Type.Object(
  {
    sqlite: Type.Optional(Type.String({ minLength: 1, maxLength: 4096, description: 'SQLite file, relative to the config file (default central.db).' })),
    postgres: Type.Optional(Type.String({ pattern: '^postgres(ql)?://', maxLength: 4096, description: 'postgres://user:password@host:port/database' })),
  },
  { additionalProperties: false, default: {}, description: 'Where alerts are stored: one of sqlite or postgres.' },
);

export const CentralConfigSchema = Type.Object(
  {
    broker: BrokerSchema,
    keys: Type.String({ minLength: 1, description: 'Enrolled gateway keys: a file of "<gateway id> <public key>" lines or a folder of <id>.pub files.' }),
    centreKey: Type.String({ minLength: 1, description: 'The centre\'s private key (PKCS#8 PEM, mode 0600) that signs acks and replay requests.' }),
    store: StoreSchema,
    batch: Type.Object(
      {
        maxMessages: Int(1, 100_000, 500, 'Most messages committed in one transaction.'),
        maxWaitMs: Int(1, 60_000, 100, 'Longest a received message waits for its commit.'),
      },
      { additionalProperties: false, default: {} },
    ),
    acks: Type.Object(
      {
        enabled: Type.Boolean({ default: true, description: 'Send signed end-to-end acks for committed messages.' }),
        intervalMs: Int(10, 60_000, 500, 'Acks are gathered per gateway and sent this often.'),
        maxSeqs: Int(1, 5_000, 500, 'Most sequence numbers in one ack message.'),
      },
      { additionalProperties: false, default: {} },
    ),
    replay: Type.Object(
      {
        enabled: Type.Boolean({ default: true, description: 'Ask gateways with signed replay requests for missing sequence numbers.' }),
        checkIntervalS: Int(1, 3600, 10, 'How often the store is searched for gaps.'),
        graceS: Int(0, 86_400, 30, 'A gap must be this old before it is asked for (resends arrive out of order).'),
        minIntervalS: Int(1, 86_400, 60, 'At most one replay request per gateway this often (the gateway refuses faster ones).'),
        maxAttempts: Int(1, 100, 3, 'Replays asked for one gap before it is left open (snapshots and evicted telemetry leave gaps no replay fills).'),
      },
      { additionalProperties: false, default: {} },
    ),
    http: Type.Object(
      {
        enabled: Type.Boolean({ default: true, description: 'Serve the read-only API and page.' }),
        address: Type.String({ default: '127.0.0.1', maxLength: 255, description: 'Address to bind; keep it on loopback behind a reverse proxy.' }),
        port: Int(0, 65_535, 8080, 'TCP port (0: any free port).'),
      },
      { additionalProperties: false, default: {} },
    ),
    logging: Type.Object(
      { level: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)), { default: 'info' }) },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false },
);

export type CentralConfig = Static<typeof CentralConfigSchema>;
