import { dirname, join, resolve } from 'node:path';
import { Agent, type CameraRun } from './agent.js';
import { detectFilter, type CameraConfig } from './config/cameraSchema.js';
import type { Config } from './config/schema.js';
import type { Detector } from './detect/detector.js';
import { InferenceScheduler } from './detect/inferenceScheduler.js';
import { loadDetector } from './detect/loadDetector.js';
import { checkRtspAuth } from './discovery/rtspAuth.js';
import { newCameraCounters, type CameraCounters } from './health/cameraCounters.js';
import type { Logger } from './log/logger.js';
import { sourceOptions } from './stream/createSource.js';
import { FrameHost, PREFLIGHT_TIMEOUT_MS } from './stream/frameHostClient.js';
import { isLiveUri } from './stream/pipelineSpec.js';
import { StreamWatchdog, type CameraState } from './stream/watchdog.js';
import { EventStage } from './track/eventStage.js';
import type { AlertSink } from './types.js';

export interface ComposeOptions {
  /** Where alerts go: the outbox in the daemon, stdout in a replay. */
  sink: AlertSink;
  /** Counters to fill, by camera id (created here when absent), so others can read them before start. */
  counters?: Map<string, CameraCounters>;
  onCameraState?(cameraId: string, state: CameraState, error?: Error): void;
  /** Loads and starts a model (default: onnxruntime with the model of the manifest). */
  loadDetector?(modelId: string): Promise<Detector>;
}

/**
 * Before a camera's password goes to an RTSP server, the server must offer Digest (rtspsrc answers
 * a Basic-only challenge with the password in clear, and anyone on the segment can ask for Basic),
 * unless the camera's config allows Basic. Sources without credentials need no check.
 */
function passwordCheck(cam: CameraConfig): (() => Promise<string | undefined>) | undefined {
  if (!/^rtsps?:\/\/[^/?#]*@/i.test(cam.source)) return undefined;
  return async () => {
    const r = await checkRtspAuth(cam.source, { allowBasic: cam.rtspAuth === 'basic', timeoutMs: PREFLIGHT_TIMEOUT_MS });
    return r.ok ? undefined : r.reason;
  };
}

/** Small grey picture made inside GStreamer for the motion gate and the camera-health checks. */
const GREY = { width: 160, height: 120 };

/**
 * Builds the agent from a validated config, top to bottom: models (a missing one is fatal here, at
 * start), the frame host that decodes every stream, then per camera:
 * source → watchdog → motion gate and event stage → shared detector → sink.
 * `configPath` anchors the relative paths of the config (snapshots).
 */
export async function composeAgent(cfg: Config, configPath: string, log: Logger, o: ComposeOptions): Promise<Agent> {
  const cameras = cfg.cameras.filter((c) => c.enabled);
  const detectors = new Map<string, InferenceScheduler>();
  const load = o.loadDetector ?? ((id: string) => loadDetector(id, { modelDir: cfg.modelDir, threads: cfg.detector.threads }));
  for (const id of new Set(cameras.map((c) => c.model))) detectors.set(id, new InferenceScheduler(await load(id)));
  const host = new FrameHost(cameras.length);
  const snapshotRoot = resolve(dirname(configPath), cfg.storage.snapshotDir);
  const snapshotMaxBytes = Math.floor((cfg.storage.snapshotMaxMb * 1024 * 1024) / Math.max(1, cameras.length));

  const runs = cameras.map((cam): CameraRun => {
    const detector = detectors.get(cam.model)!;
    const counters = o.counters?.get(cam.id) ?? newCameraCounters();
    o.counters?.set(cam.id, counters);
    const live = isLiveUri(cam.source);
    const streamLog = log.child({ stage: 'stream', camera: cam.id });
    const model = detector.detector;
    const frames: StreamWatchdog = new StreamWatchdog(
      () => host.source(sourceOptions(cam, { fitWidth: model.inputWidth, fitHeight: model.inputHeight, decoder: cfg.video.decoder, grey: GREY }), passwordCheck(cam)),
      { minBackoffMs: 1000, maxBackoffMs: 60_000, maxFailures: live ? Infinity : 1 },
      streamLog,
      {
        onState: (state, error) => {
          counters.state = state;
          counters.restarts = frames.restarts;
          if (state === 'online') streamLog.info('camera online');
          o.onCameraState?.(cam.id, state, error);
        },
      },
    );
    const stage = new EventStage(
      cam.events,
      { gatewayId: cfg.gateway.id, cameraId: cam.id, modelId: model.modelId, snapshotDir: join(snapshotRoot, cam.id), snapshotMaxBytes },
      o.sink,
      log.child({ stage: 'events', camera: cam.id }),
    );
    return { camera: cam, live, frames, stage, detector, filter: detectFilter(cam), counters };
  });
  return new Agent(runs, host, log);
}
