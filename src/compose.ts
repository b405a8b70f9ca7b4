import { dirname, join, resolve } from 'node:path';
import { Agent, type AgentDeps, type Service } from './agent.js';
import type { CameraConfig } from './config/cameraSchema.js';
import type { Config } from './config/schema.js';
import { loadDetector } from './detect/loadDetector.js';
import type { Logger } from './log/logger.js';
import { createCameraSource } from './stream/createSource.js';
import { EventStage } from './track/eventStage.js';
import type { FrameConsumer } from './cameraLoop.js';
import type { AlertSink, Detection, Frame } from './types.js';

/** Small grey picture made inside GStreamer for the motion gate and the camera-health checks. */
const GREY = { width: 160, height: 120 };

export interface ComposeOptions {
  /** Where alerts go: the outbox in the daemon, stdout in a replay. */
  sink: AlertSink;
  services?: Service[];
  onCameraState?: AgentDeps['onCameraState'];
}

/**
 * Builds the agent from a validated config: one GStreamer source, one event stage per camera, one
 * detector per model. `configPath` anchors the relative paths of the config (snapshots).
 */
export function composeAgent(cfg: Config, configPath: string, log: Logger, o: ComposeOptions): { agent: Agent; stages: Map<string, EventStage> } {
  const stages = new Map<string, EventStage>();
  const enabled = cfg.cameras.filter((c) => c.enabled);
  const snapshotRoot = resolve(dirname(configPath), cfg.storage.snapshotDir);
  const snapshotMaxBytes = Math.floor((cfg.storage.snapshotMaxMb * 1024 * 1024) / Math.max(1, enabled.length));
  const agent = new Agent(cfg.cameras, {
    log,
    services: o.services,
    onCameraState: o.onCameraState,
    loadDetector: (id) => loadDetector(id, { modelDir: cfg.modelDir, threads: cfg.detector.threads }),
    makeSource: (cam, detector) =>
      createCameraSource(cam, { fitWidth: detector.inputWidth, fitHeight: detector.inputHeight, decoder: cfg.video.decoder, grey: GREY }),
    makeConsumer: (cam: CameraConfig, detector) => {
      const stage = new EventStage(
        cam.events,
        { gatewayId: cfg.gateway.id, cameraId: cam.id, modelId: detector.modelId, snapshotDir: join(snapshotRoot, cam.id), snapshotMaxBytes },
        o.sink,
        log.child({ stage: 'events', camera: cam.id }),
      );
      stages.set(cam.id, stage);
      return withDetectionLog(stage, log.child({ stage: 'detect', camera: cam.id }));
    },
  });
  return { agent, stages };
}

/** Per-frame detections at debug level (a person tuning a camera turns it on), then the event stage. */
function withDetectionLog(stage: EventStage, log: Logger): FrameConsumer & { stop(): void } {
  return {
    needsInference: (frame: Frame) => stage.needsInference(frame),
    onFrame: (frame: Frame, detections: Detection[] | null) => {
      if (detections && log.isLevelEnabled('debug')) {
        log.debug({ seq: frame.seq, ts: frame.ts, detections: detections.map((d) => ({ label: d.label, score: d.score, box: d.box })) }, 'detections');
      }
      stage.onFrame(frame, detections);
    },
    tick: (ts: number) => stage.tick(ts),
    stop: () => stage.stop(),
  };
}
