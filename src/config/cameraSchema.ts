import { Type, type Static } from '@sinclair/typebox';
import { EventsSchema } from './eventsSchema.js';
import { OnvifCameraSchema } from './onvifSchema.js';

// Per-camera settings. Keys are camelCase here; operators write snake_case in YAML and the loader
// maps between the two, so this file is the only place where that mapping is defined.

export const DEFAULT_CLASSES = ['person', 'bicycle', 'car', 'motorcycle', 'bus', 'truck'];

/** Detection filter defaults, shared by the schema and the commands that run without a config. */
export const DEFAULT_FILTER = { classes: DEFAULT_CLASSES, scoreThreshold: 0.3, nmsIou: 0.45, crossClassIou: 0.8 };

export const CameraSchema = Type.Object(
  {
    id: Type.String({
      pattern: '^[a-z0-9][a-z0-9_-]{0,47}$',
      description: 'Stable camera id, used in MQTT topics and alert ids: lower case letters, digits, _ and -.',
    }),
    name: Type.Optional(Type.String({ maxLength: 120, description: 'Human-readable name shown to operators.' })),
    source: Type.String({
      pattern: '^(file|rtsp|rtsps)://.+',
      description: 'Stream URI: rtsp://user:${SECRET}@host/path for cameras, file:///path for recordings.',
    }),
    enabled: Type.Boolean({ default: true, description: 'Set to false to keep a camera configured but not running.' }),
    detectFps: Type.Number({
      minimum: 0.1,
      maximum: 30,
      default: 5,
      description: 'Frames per second handed to the detector; GStreamer drops the rest before decoding to RGB.',
    }),
    model: Type.String({ default: 'yolox-nano-int8', description: 'Model id from models/manifest.json.' }),
    classes: Type.Array(Type.String(), {
      default: DEFAULT_FILTER.classes,
      minItems: 1,
      uniqueItems: true,
      description: 'COCO labels of interest; other detections are discarded.',
    }),
    scoreThreshold: Type.Number({
      minimum: 0.01,
      maximum: 1,
      default: DEFAULT_FILTER.scoreThreshold,
      description: 'Minimum detection score (objectness × class probability).',
    }),
    nmsIou: Type.Number({
      minimum: 0.05,
      maximum: 0.95,
      default: DEFAULT_FILTER.nmsIou,
      description: 'IoU above which two boxes of one class are the same object (class-wise NMS).',
    }),
    crossClassIou: Type.Number({
      minimum: 0.3,
      maximum: 1,
      default: DEFAULT_FILTER.crossClassIou,
      description: 'IoU above which boxes of different classes are one object (a van seen as car and truck); 1 keeps both.',
    }),
    rtspTransport: Type.Union([Type.Literal('tcp'), Type.Literal('udp'), Type.Literal('auto')], {
      default: 'tcp',
      description: 'RTSP transport; tcp survives lossy links and NAT best.',
    }),
    rtspAuth: Type.Union([Type.Literal('digest'), Type.Literal('basic')], {
      default: 'digest',
      description:
        'RTSP authentication the camera may ask for: digest (the password never crosses the network) or basic (sent in ' +
        'clear text, only for cameras that cannot do digest).',
    }),
    rtspLatencyMs: Type.Integer({ minimum: 0, maximum: 5000, default: 200, description: 'RTSP jitter buffer.' }),
    stallTimeoutS: Type.Number({
      minimum: 1,
      maximum: 600,
      default: 10,
      description: 'A live stream that delivers no frame for this long is restarted and reported offline.',
    }),
    events: EventsSchema,
    onvif: OnvifCameraSchema,
  },
  { additionalProperties: false },
);

export type CameraConfig = Static<typeof CameraSchema>;

/** What the detector keeps for this camera (classes, thresholds, NMS). */
export function detectFilter(cam: CameraConfig): typeof DEFAULT_FILTER {
  return { classes: cam.classes, scoreThreshold: cam.scoreThreshold, nmsIou: cam.nmsIou, crossClassIou: cam.crossClassIou };
}
