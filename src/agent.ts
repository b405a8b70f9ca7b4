import { runCameraLoop } from './cameraLoop.js';
import type { CameraConfig } from './config/cameraSchema.js';
import type { DetectFilter } from './detect/detector.js';
import type { InferenceScheduler } from './detect/inferenceScheduler.js';
import type { CameraCounters } from './health/cameraCounters.js';
import type { Logger } from './log/logger.js';
import type { FrameHost } from './stream/frameHostClient.js';
import type { StreamWatchdog } from './stream/watchdog.js';
import type { EventStage } from './track/eventStage.js';
import { snapshotsIdle } from './track/snapshotWorkerClient.js';

/** A stateful part started in order and stopped in reverse. */
export interface Service {
  readonly name: string;
  start(): Promise<void>;
  /** Idempotent. */
  stop(): Promise<void>;
}

/** Everything one camera runs with, built by composeAgent. */
export interface CameraRun {
  camera: CameraConfig;
  /** Decided once from the source: a live camera (ticks, endless retries) or a file. */
  live: boolean;
  frames: StreamWatchdog;
  stage: EventStage;
  detector: InferenceScheduler;
  filter: DetectFilter;
  counters: CameraCounters;
}

/** Starts every camera loop; stops them, then the stages, models and the frame host. */
export class Agent implements Service {
  readonly name = 'cameras';
  private readonly byId: Map<string, CameraRun>;
  private loops: Promise<void>[] = [];
  private ticker: NodeJS.Timeout | undefined;
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly runs: CameraRun[],
    private readonly host: FrameHost,
    private readonly log: Logger,
    private readonly tickMs = 1000,
  ) {
    this.byId = new Map(runs.map((r) => [r.camera.id, r]));
  }

  /** The counters of every camera, by camera id (the same objects the loops update). */
  get counters(): Map<string, CameraCounters> {
    return new Map(this.runs.map((r) => [r.camera.id, r.counters]));
  }

  /** A camera's event stage (its rule figures), or undefined for an unknown camera. */
  stage(cameraId: string): EventStage | undefined {
    return this.byId.get(cameraId)?.stage;
  }

  /** The shared detectors (one per model), for their latency figures. */
  get detectors(): InferenceScheduler[] {
    return [...new Set(this.runs.map((r) => r.detector))];
  }

  async start(): Promise<void> {
    this.loops = this.runs.map((r) =>
      runCameraLoop(r.frames, r.stage, r.detector, r.filter, r.counters).catch((err: Error) => {
        // Only a file source gives up; a live camera keeps retrying inside the watchdog.
        this.log.error({ camera: r.camera.id, err: err.message }, 'camera stopped');
        r.counters.state = 'ended';
        r.counters.error = err.message;
      }),
    );
    // Files are stamped with media time and run faster than real time: only live cameras get ticks.
    const live = this.runs.filter((r) => r.live);
    this.ticker = setInterval(() => {
      for (const r of live) r.stage.tick(Date.now());
    }, this.tickMs);
    this.ticker.unref();
  }

  /** Resolves when every camera loop has ended (files at their end; cameras only after stop()). */
  async done(): Promise<void> {
    await Promise.all(this.loops);
  }

  /** Points a camera at a new stream URI and reopens its stream at once. False for an unknown camera. */
  updateSource(cameraId: string, uri: string): boolean {
    const run = this.byId.get(cameraId);
    if (!run) return false;
    run.camera.source = uri; // the watchdog's source factory reads it at each (re)start
    run.frames.restartSource();
    return true;
  }

  /** Tamper or motion from a camera's own analytics. */
  onCameraEvent(event: { cameraId: string; kind: 'tamper' | 'motion'; state: boolean; ts: number }): void {
    this.byId.get(event.cameraId)?.stage.onCameraEvent(event);
  }

  stop(): Promise<void> {
    this.stopping ??= this.stopAll();
    return this.stopping;
  }

  private async stopAll(): Promise<void> {
    clearInterval(this.ticker);
    for (const r of this.runs) r.frames.stop();
    await Promise.allSettled(this.loops);
    for (const r of this.runs) r.stage.stop();
    await snapshotsIdle();
    for (const d of this.detectors) await d.detector.stop();
    this.host.close();
  }
}

/** Starts services in order and stops them in reverse; a failed start stops what had started. */
export async function startAll(services: Service[]): Promise<() => Promise<void>> {
  const started: Service[] = [];
  const stopAll = async () => {
    for (const s of started.reverse()) await s.stop();
    started.length = 0;
  };
  try {
    for (const s of services) {
      await s.start();
      started.push(s);
    }
  } catch (err) {
    await stopAll();
    throw err;
  }
  return stopAll;
}
