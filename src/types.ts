// Shared domain types. This file imports nothing: every stage depends on it, it depends on no stage.
// Times: `ts` is epoch milliseconds; durations carry their unit in the name.

/** An axis-aligned box in source-frame pixels (x1,y1 top-left inclusive; x2,y2 bottom-right). */
export interface Box {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

/** A decoded frame, already scaled inside GStreamer to what the detector needs. */
export interface Frame {
  cameraId: string;
  /** 0-based count of frames delivered by this source since it (re)started. */
  seq: number;
  /** Capture time, epoch ms. Live sources: arrival time; files: start time + media position. */
  ts: number;
  /** Media position in ms from the start of the stream (files), or since the source started (live). */
  ptsMs: number;
  /** Size of the camera's picture before scaling, in pixels: detections are reported in this space. */
  sourceWidth: number;
  sourceHeight: number;
  /** Packed BGR, `width*height*3` bytes, no row padding. The buffer is owned by the receiver. */
  data: Buffer;
  width: number;
  height: number;
  /** Small grey picture for the motion gate and health checks, when the source was asked for one. */
  grey?: { data: Buffer; width: number; height: number };
}

export interface Detection {
  /** COCO label such as "person" or "car". */
  label: string;
  classId: number;
  /** objectness × class probability, 0..1. */
  score: number;
  box: Box;
}

export interface Track {
  id: number;
  label: string;
  score: number;
  box: Box;
  /** Velocity of the box centre in pixels per second (source space). */
  vx: number;
  vy: number;
  firstTs: number;
  lastTs: number;
  /** Consecutive frames without a matching detection. */
  misses: number;
  /** True once the object has barely moved for the configured time (a parked car). */
  stationary: boolean;
}

export type AlertType = 'instant' | 'start' | 'end';

/** Outbox priority classes, highest first: each has its own limits and eviction rule. */
export type AlertClass = 'alert' | 'health' | 'count' | 'snapshot';

export interface Alert {
  /** Unique and stable: a resend after a crash carries the same id. */
  id: string;
  gatewayId: string;
  cameraId: string;
  /** Rule name from the config, e.g. "wrong_way_lane2". */
  rule: string;
  /** Rule kind: zone_entry, loitering, line_crossing, wrong_way, congestion, crowding, health, count. */
  kind: string;
  type: AlertType;
  class: AlertClass;
  label?: string;
  score?: number;
  /** Box in normalised coordinates (0..1) of the source frame. */
  box?: Box;
  trackId?: number;
  zone?: string;
  line?: string;
  /** Capture time of the frame that triggered the alert, epoch ms. */
  ts: number;
  modelId?: string;
  /** Path of the JPEG snapshot on local disk, if one was kept. */
  snapshot?: string;
  /** Small rule-specific figures (counts, durations, health measures). */
  data?: Record<string, number | string | boolean>;
}

/** Where alerts leave the event stage. The outbox implements it; tests may collect. */
export interface AlertSink {
  /** Must not throw for a well-formed alert; durable sinks persist before returning. */
  emit(alert: Alert): void;
}
