import { Type, type Static } from '@sinclair/typebox';

// Outbox and MQTT settings (placeholder: filled in with the store-and-forward work).

export const OutboxSchema = Type.Object(
  {
    path: Type.String({ default: 'var/outbox.db', description: 'SQLite outbox file, relative to the config file.' }),
  },
  { additionalProperties: false, default: {} },
);

export const MqttSchema = Type.Object(
  {
    urls: Type.Array(Type.String({ pattern: '^(mqtt|mqtts|tcp|ssl|ws|wss)://.+' }), {
      minItems: 1,
      description: 'Broker URLs tried in order (failover).',
    }),
  },
  { additionalProperties: false },
);

export type OutboxConfig = Static<typeof OutboxSchema>;
export type MqttConfig = Static<typeof MqttSchema>;
