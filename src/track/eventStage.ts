import { v7 as uuidv7 } from 'uuid';
import { checkEvents, type EventsConfig } from '../config/eventsSchema.js';
import { ConfigError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { InferenceGate } from '../motion/motionGate.js';
import type { Alert, AlertSink, Detection, Frame } from '../types.js';
import { footPoint, normaliseBox } from './geometry.js';
import { buildRules, type RuleSet } from './rules/buildRules.js';
import { CameraHealth } from './rules/cameraHealth.js';
import type { LineCounts } from './rules/lineMonitor.js';
import type { AlertDraft, AlertOut, TrackView } from './rules/rule.js';
import { SnapshotStore } from './snapshotStore.js';
import { Tracker, type TrackState } from './tracker.js';

export interface EventStageOptions {
  gatewayId: string;
  cameraId: string;
  /** Model id stamped on every alert. */
  modelId: string;
  /** This camera's snapshot folder (one folder per camera: the size cap is kept per folder). */
  snapshotDir: string;
  /** Size cap of that folder, bytes. */
  snapshotMaxBytes: number;
}

/** Per-camera figures since construction; plain data, fit for a replay summary. */
export interface EventStats {
  /** Frames that went through inference, and frames the motion gate skipped. */
  framesProcessed: number;
  framesSkipped: number;
  /** Live tracks now, tentative included. */
  tracksActive: number;
  /** Alerts emitted, by rule name (health conditions and count lines included). */
  alertsByRule: Record<string, number>;
  /** Crossings since start, by line, then class. */
  countsByLine: Record<string, LineCounts>;
  snapshots: { written: number; failed: number; evicted: number };
  /** Alerts the sink refused (logged as errors). */
  sinkErrors: number;
}

/**
 * One camera's event stage: motion gate → tracker → rules → AlertSink. Calls must come from one
 * caller in capture order (not concurrently); frames are only read during the call.
 */
export class EventStage {
  private readonly gate: InferenceGate;
  private readonly tracker: Tracker;
  private readonly set: RuleSet;
  private readonly health: CameraHealth;
  private readonly snapshots: SnapshotStore | undefined;
  private readonly out: AlertOut;
  private readonly alertsByRule: Record<string, number> = {};
  private readonly maxAgeMs: number;
  private frame: Frame | undefined;
  private lastTs = 0;
  private processed = 0;
  private skipped = 0;
  private sinkErrors = 0;
  private stopped = false;
  private cameraMotion = false;
  private tamperStartId: string | undefined;

  /** Throws ConfigError if the config's cross-references do not hold (checkEvents). */
  constructor(
    cfg: EventsConfig,
    private readonly o: EventStageOptions,
    private readonly sink: AlertSink,
    private readonly log: Logger,
  ) {
    const problems = checkEvents(cfg, `cameras.${o.cameraId}.events`);
    if (problems.length > 0) throw new ConfigError('events', problems);
    this.gate = new InferenceGate(cfg.motion);
    this.tracker = new Tracker(cfg.tracker);
    this.maxAgeMs = cfg.tracker.maxAgeS * 1000;
    this.set = buildRules(cfg);
    this.health = new CameraHealth(cfg.health);
    const s = cfg.snapshots;
    this.snapshots = s.enabled
      ? new SnapshotStore({ dir: o.snapshotDir, maxBytes: o.snapshotMaxBytes, maxWidth: s.maxWidth, quality: s.quality }, log)
      : undefined;
    this.out = { emit: (draft, snapshot) => this.emit(draft, snapshot) };
  }

  /** Motion gate: false when the frame has no motion and every track stands still. Call once per frame, before onFrame. */
  needsInference(frame: Frame): boolean {
    return this.gate.decide(frame, this.tracker.hasMoving() || this.cameraMotion);
  }

  /**
   * An event from the camera's own analytics (ONVIF). Tamper raises a `tamper` health start/end
   * pair; motion keeps the gate open (inference on every frame) for as long as the camera reports it,
   * which catches slow movement our own gate misses at night.
   */
  onCameraEvent(event: { kind: 'tamper' | 'motion'; state: boolean; ts: number }): void {
    if (this.stopped) return;
    if (event.kind === 'motion') {
      this.cameraMotion = event.state;
      return;
    }
    if (event.state === (this.tamperStartId !== undefined)) return; // repeated state: no new alert
    const draft = { rule: 'tamper', kind: 'health', class: 'health' as const, ts: event.ts, data: { source: 'camera' } };
    if (event.state) {
      this.tamperStartId = this.out.emit({ ...draft, type: 'start' }, false);
    } else {
      this.out.emit({ ...draft, type: 'end', data: { ...draft.data, startId: this.tamperStartId! } }, false);
      this.tamperStartId = undefined;
    }
  }

  /** One frame with its detections (source pixels), or null when inference was skipped. */
  onFrame(frame: Frame, detections: Detection[] | null): void {
    if (this.stopped) return;
    if (detections && this.log.isLevelEnabled('debug')) {
      // Per-frame detections: a person tuning a camera turns debug on.
      this.log.debug({ seq: frame.seq, ts: frame.ts, detections: detections.map((d) => ({ label: d.label, score: d.score, box: d.box })) }, 'detections');
    }
    const ts = frame.ts;
    this.lastTs = Math.max(this.lastTs, ts);
    if (detections) this.processed++;
    else this.skipped++;
    const removed = detections ? this.tracker.update(ts, detections) : this.tracker.coast(ts);
    this.forget(removed);
    const views = this.views(frame);
    for (const m of this.set.monitors) this.set.crossings.set(m.cfg.name, m.update(ts, views));
    this.frame = frame;
    try {
      for (const r of this.set.rules) r.onFrame({ ts, tracks: views, frame }, this.out);
      this.health.onFrame(frame, this.out);
    } finally {
      this.frame = undefined;
    }
    for (const m of this.set.monitors) m.tick(ts, this.out);
  }

  /** Time-driven checks at `nowTs` (epoch ms): no-frame health, count summaries, congestion end. Call every second or so. */
  tick(nowTs: number): void {
    if (this.stopped) return;
    const ts = Math.max(nowTs, this.lastTs);
    this.lastTs = ts;
    this.health.onTick(ts, this.out);
    for (const m of this.set.monitors) m.tick(ts, this.out);
    for (const r of this.set.rules) r.onTick?.(ts, this.out);
  }

  stats(): EventStats {
    const countsByLine: Record<string, LineCounts> = {};
    for (const m of this.set.monitors) countsByLine[m.cfg.name] = structuredClone(m.totals);
    return {
      framesProcessed: this.processed,
      framesSkipped: this.skipped,
      tracksActive: this.tracker.active.length,
      alertsByRule: { ...this.alertsByRule },
      countsByLine,
      snapshots: { ...(this.snapshots?.counts ?? { written: 0, failed: 0, evicted: 0 }) },
      sinkErrors: this.sinkErrors,
    };
  }

  /** Emits the partial count summaries at the last known time. Idempotent; later calls are ignored. */
  stop(): void {
    if (this.stopped) return;
    for (const m of this.set.monitors) m.flush(this.lastTs, this.out);
    for (const r of this.set.rules) r.onStop?.(this.lastTs, this.out);
    this.stopped = true;
  }

  private views(frame: Frame): TrackView[] {
    const w = frame.sourceWidth;
    const h = frame.sourceHeight;
    return this.tracker.active
      .filter((t) => t.confirmed)
      .map((t) => {
        const box = normaliseBox(t.box, w, h);
        return { track: t, box, foot: footPoint(box), visible: frame.ts - t.seenTs <= this.maxAgeMs };
      });
  }

  private forget(removed: TrackState[]): void {
    for (const t of removed) {
      for (const r of this.set.rules) r.onTrackEnd?.(t.id);
      for (const m of this.set.monitors) m.forget(t.id);
    }
  }

  private emit(draft: AlertDraft, snapshot: boolean): string {
    const o = this.o;
    const alert: Alert = { id: uuidv7(), gatewayId: o.gatewayId, cameraId: o.cameraId, modelId: o.modelId, ...draft };
    if (snapshot && this.frame && this.snapshots) {
      alert.snapshot = this.snapshots.saveLater(this.frame, draft.box, alert.id);
    }
    this.alertsByRule[alert.rule] = (this.alertsByRule[alert.rule] ?? 0) + 1;
    try {
      this.sink.emit(alert);
    } catch (err) {
      // The sink is the outbox: a failure here is a lost alert, which a person must look at.
      this.sinkErrors++;
      this.log.error({ err, rule: alert.rule, alertId: alert.id }, 'alert sink failed');
    }
    return alert.id;
  }
}
