import type { Alert } from '../types.js';

// Topic names: <prefix>/<province>/<commune>/<gateway>/<suffix>. Suffixes are stored in the outbox
// without the base, so a change of prefix applies to rows already waiting.

/** Where this gateway's topics hang. Every level must be a valid topic level (see topicLevel). */
export interface TopicBase {
  prefix: string;
  province: string;
  commune: string;
  gateway: string;
}

export function baseTopic(b: TopicBase): string {
  return [b.prefix, b.province, b.commune, b.gateway].map(topicLevel).join('/');
}

/**
 * Makes any string safe as one topic level: MQTT wildcards, separators and NUL would change what a
 * subscriber matches, and Mosquitto disconnects a client that publishes control characters (a
 * command name echoed into response/<command> would otherwise cut the uplink). Config ids are
 * already restricted; alert kinds and rule names come from code.
 */
export function topicLevel(s: string): string {
  const clean = s.replace(/[+#/\u0000-\u001f\u007f-\u009f\ud800-\udfff]/g, '_').slice(0, MAX_LEVEL);
  return clean.length > 0 ? clean : '_';
}

// Far longer than any id; keeps a response topic within MQTT's 65535-byte limit whatever the request.
const MAX_LEVEL = 1024;

/** Suffixes below the base topic. */
export const TOPIC = {
  /** Retained "online"/"offline" state, also the last will. */
  state: 'state',
  /** Retained description of the gateway (version, cameras, models, config hash, boot). */
  info: 'info',
  /** Periodic system and pipeline health (through the outbox, class health). */
  health: 'health',
  /** End-to-end acks from the central application. */
  ack: 'ack',
  /** Summary of alerts evicted from a full outbox. */
  dropped: 'alert/dropped',
  cameraStatus: (camera: string) => `camera/${topicLevel(camera)}/status`,
  alert: (camera: string, kind: string) => `camera/${topicLevel(camera)}/alert/${topicLevel(kind)}`,
  count: (camera: string, rule: string) => `camera/${topicLevel(camera)}/count/${topicLevel(rule)}`,
  snapshot: (camera: string, alertId: string) => `camera/${topicLevel(camera)}/snapshot/${topicLevel(alertId)}`,
  request: (command: string) => `request/${topicLevel(command)}`,
  response: (command: string) => `response/${topicLevel(command)}`,
} as const;

/** The topic an alert travels on, by class: count summaries and snapshots have their own. */
export function alertTopic(alert: Alert): string {
  if (alert.class === 'count') return TOPIC.count(alert.cameraId, alert.rule);
  if (alert.class === 'snapshot') return TOPIC.snapshot(alert.cameraId, alert.id);
  return TOPIC.alert(alert.cameraId, alert.kind);
}
