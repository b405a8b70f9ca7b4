import { Type, type Static } from '@sinclair/typebox';
import { CameraSchema } from './cameraSchema.js';
import { OnvifSiteSchema } from './onvifSchema.js';
import { MqttSchema, OutboxSchema } from './uplinkSchema.js';

// The one configuration schema: every field has a type, a default where one makes sense, bounds
// and a description. `edge-agent config validate` and the daemon both go through loadConfig().

export const GatewaySchema = Type.Object(
  {
    id: Type.String({
      pattern: '^[a-z0-9][a-z0-9_-]{0,47}$',
      description: 'Gateway id, unique in the province; part of every MQTT topic and alert id.',
    }),
    province: Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,47}$', description: 'Province or city code (topic level).' }),
    commune: Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,47}$', description: 'Commune code (topic level).' }),
    location: Type.Optional(Type.String({ maxLength: 200, description: 'Free-text site description.' })),
  },
  { additionalProperties: false },
);

export const LoggingSchema = Type.Object(
  {
    level: Type.Union(
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
      { default: 'info', description: 'pino log level.' },
    ),
  },
  { additionalProperties: false },
);

export const VideoSchema = Type.Object(
  {
    decoder: Type.Union([Type.Literal('auto'), Type.Literal('software')], {
      default: 'auto',
      description:
        'auto: prefer a hardware decoder GStreamer has (v4l2 on arm64, VA-API on x86), falling back to software; software: never use hardware.',
    }),
  },
  { additionalProperties: false, default: {} },
);

export const DetectorSchema = Type.Object(
  {
    threads: Type.Integer({
      minimum: 0,
      maximum: 64,
      default: 0,
      description: 'Threads for one inference; 0 = one per core. Cameras share one session per model, one frame at a time.',
    }),
  },
  { additionalProperties: false, default: {} },
);

export const StorageSchema = Type.Object(
  {
    snapshotDir: Type.String({
      default: 'var/snapshots',
      description: 'Folder for alert snapshots (one sub-folder per camera), relative to the config file.',
    }),
    snapshotMaxMb: Type.Number({
      minimum: 1,
      maximum: 100_000,
      default: 200,
      description: 'Disk space for snapshots, shared evenly by the cameras; the oldest are deleted first.',
    }),
  },
  { additionalProperties: false, default: {} },
);

export const ConfigSchema = Type.Object(
  {
    gateway: GatewaySchema,
    secretsFile: Type.Optional(
      Type.String({ description: 'YAML file of NAME: value pairs used to fill ${NAME} in this config (env vars win).' }),
    ),
    modelDir: Type.Optional(Type.String({ description: 'Folder searched first for model files (by sha256).' })),
    logging: Type.Object(LoggingSchema.properties, { additionalProperties: false, default: {} }),
    video: VideoSchema,
    detector: DetectorSchema,
    storage: StorageSchema,
    outbox: OutboxSchema,
    mqtt: Type.Optional(MqttSchema),
    onvif: OnvifSiteSchema,
    cameras: Type.Array(CameraSchema, { minItems: 1, maxItems: 64, description: 'Cameras served by this gateway.' }),
  },
  { additionalProperties: false },
);

export type Config = Static<typeof ConfigSchema>;
