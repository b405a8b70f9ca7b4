import { createInferenceLock, runCameraLoop, type FrameConsumer, type InferenceLock } from './cameraLoop.js';
import { detectFilter, type CameraConfig } from './config/cameraSchema.js';
import type { Detector } from './detect/detector.js';
import type { Logger } from './log/logger.js';
import type { FrameSource } from './stream/frameSource.js';
import { StreamWatchdog, type CameraState } from './stream/watchdog.js';

/** A stateful part the agent starts in order and stops in reverse. */
export interface Service {
  readonly name: string;
  start(): Promise<void>;
  /** Idempotent. */
  stop(): Promise<void>;
}

export interface AgentDeps {
  log: Logger;
  makeSource(camera: CameraConfig, detector: Detector): FrameSource;
  loadDetector(modelId: string): Promise<Detector>;
  makeConsumer(camera: CameraConfig, detector: Detector): FrameConsumer & { stop?(): void };
  /** Interval of the consumers' tick() for live cameras; default 1000 ms. */
  tickMs?: number;
  /** Started before the cameras (e.g. the outbox and uplink), stopped after them. */
  services?: Service[];
  onCameraState?(cameraId: string, state: CameraState, error?: Error): void;
}

export interface CameraCounters {
  frames: number;
  inferred: number;
  skipped: number;
  failed: number;
  restarts: number;
  state: CameraState;
  /** Why the camera gave up, when it did (files only: live cameras keep retrying). */
  error?: string;
}

/** Lifecycle of one gateway: services, then models, then one loop per camera; stop in reverse. */
export class Agent {
  readonly counters = new Map<string, CameraCounters>();
  private readonly detectors = new Map<string, Detector>();
  private readonly locks = new Map<string, InferenceLock>();
  private readonly watchdogs = new Map<string, StreamWatchdog>();
  private readonly consumers: { stop?(): void }[] = [];
  private readonly liveConsumers: FrameConsumer[] = [];
  private ticker: NodeJS.Timeout | undefined;
  private loops: Promise<void>[] = [];
  private startedServices: Service[] = [];
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly cameras: CameraConfig[],
    private readonly deps: AgentDeps,
  ) {}

  async start(): Promise<void> {
    for (const service of this.deps.services ?? []) {
      await service.start();
      this.startedServices.push(service);
    }
    // Models load before any camera starts: a missing model is fatal at start, not per camera.
    for (const cam of this.cameras.filter((c) => c.enabled)) {
      if (!this.detectors.has(cam.model)) {
        this.detectors.set(cam.model, await this.deps.loadDetector(cam.model));
        this.locks.set(cam.model, createInferenceLock());
      }
    }
    this.loops = this.cameras.filter((c) => c.enabled).map((cam) => this.startCamera(cam));
    // Files are stamped with media time and run faster than real time: only live cameras get ticks.
    this.ticker = setInterval(() => {
      for (const c of this.liveConsumers) c.tick?.(Date.now());
    }, this.deps.tickMs ?? 1000);
    this.ticker.unref();
  }

  /**
   * Points a camera at a new stream URI (the camera moved to another address) and reopens its
   * stream at once. Returns false for an unknown camera.
   */
  updateSource(cameraId: string, uri: string): boolean {
    const cam = this.cameras.find((c) => c.id === cameraId);
    const watchdog = this.watchdogs.get(cameraId);
    if (!cam || !watchdog) return false;
    cam.source = uri; // the watchdog's source factory reads it at each (re)start
    watchdog.restartSource();
    return true;
  }

  /** Resolves when every camera loop has ended (files at their end; cameras only after stop()). */
  async done(): Promise<void> {
    await Promise.all(this.loops);
  }

  stop(): Promise<void> {
    this.stopping ??= this.stopAll();
    return this.stopping;
  }

  private startCamera(cam: CameraConfig): Promise<void> {
    const detector = this.detectors.get(cam.model)!;
    const log = this.deps.log.child({ stage: 'stream', camera: cam.id });
    const counters: CameraCounters = { frames: 0, inferred: 0, skipped: 0, failed: 0, restarts: 0, state: 'starting' };
    this.counters.set(cam.id, counters);
    const watchdog = new StreamWatchdog(
      () => this.deps.makeSource(cam, detector),
      { minBackoffMs: 1000, maxBackoffMs: 60_000, maxFailures: /^file:/.test(cam.source) ? 1 : Infinity },
      log,
      {
        onState: (state, error) => {
          counters.state = state;
          counters.restarts = watchdog.restarts;
          if (state === 'online') log.info('camera online');
          this.deps.onCameraState?.(cam.id, state, error);
        },
      },
    );
    this.watchdogs.set(cam.id, watchdog);
    const consumer = this.deps.makeConsumer(cam, detector);
    this.consumers.push(consumer);
    if (!/^file:/.test(cam.source)) this.liveConsumers.push(consumer);
    const filter = detectFilter(cam);
    return runCameraLoop(watchdog, detector, filter, consumer, this.locks.get(cam.model)!, counters).catch((err: Error) => {
      // Only a file source gives up; a live camera keeps retrying inside the watchdog.
      log.error({ err: err.message }, 'camera stopped');
      counters.state = 'ended';
      counters.error = err.message;
    });
  }

  private async stopAll(): Promise<void> {
    clearInterval(this.ticker);
    for (const w of this.watchdogs.values()) w.stop();
    await Promise.allSettled(this.loops);
    for (const c of this.consumers) c.stop?.();
    for (const d of this.detectors.values()) await d.stop();
    for (const s of this.startedServices.reverse()) await s.stop();
  }
}
