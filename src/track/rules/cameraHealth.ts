import type { HealthConfig } from '../../config/eventsSchema.js';
import type { Frame } from '../../types.js';
import { GreyMeter, type GreyMeasures } from './greyStats.js';
import { Debounce, type AlertDraft, type AlertOut } from './rule.js';
import { round } from './zoneDwell.js';

export type HealthCondition = 'no_frames' | 'frozen' | 'obstructed';

/**
 * Camera health from timing and the grey picture. Three independent conditions, each a start/end
 * pair named as the alert's rule: no_frames (timer), frozen (near-identical pictures) and obstructed
 * (dark, uniform or blurred: covered, sprayed or turned camera). Dark, uniform and blurred share one
 * condition on purpose: a covered lens drifts between them with auto-exposure, and the operator's
 * action is the same; the reason seen at the start goes in `data.reason`.
 */
export class CameraHealth {
  private readonly meter = new GreyMeter();
  private readonly frozen: Debounce;
  private readonly obstructed: Debounce;
  private readonly startIds = new Map<HealthCondition, string>();
  private lastFrameTs: number | undefined;
  private firstTickTs: number | undefined;
  private silent = false;

  constructor(private readonly cfg: HealthConfig) {
    this.frozen = new Debounce(cfg.frozenS * 1000, cfg.clearS * 1000);
    this.obstructed = new Debounce(cfg.badS * 1000, cfg.clearS * 1000);
  }

  onFrame(frame: Frame, out: AlertOut): void {
    if (!this.cfg.enabled) return;
    if (this.silent) {
      this.silent = false;
      this.emit(out, 'no_frames', 'end', frame.ts, { silentS: round((frame.ts - (this.lastFrameTs ?? frame.ts)) / 1000) });
    }
    this.lastFrameTs = frame.ts;
    if (!frame.grey) return;
    const m = this.meter.measure(frame.grey);
    const figures = { mean: round(m.mean, 1), std: round(m.std, 1), sharpness: round(m.sharpness, 1) };
    const f = this.frozen.update(m.diff <= this.cfg.frozenMaxDiff, frame.ts);
    if (f) this.emit(out, 'frozen', f, frame.ts, { diff: round(m.diff) });
    const reason = this.reason(m);
    const o = this.obstructed.update(reason !== undefined, frame.ts);
    if (o === 'start') this.emit(out, 'obstructed', o, frame.ts, { reason: reason ?? '', ...figures });
    else if (o === 'end') this.emit(out, 'obstructed', o, frame.ts, figures);
  }

  /** No-frame check; `ts` is the current time, epoch ms. Before any frame, time counts from the first tick. */
  onTick(ts: number, out: AlertOut): void {
    if (!this.cfg.enabled || this.silent) return;
    this.firstTickTs ??= ts;
    const since = this.lastFrameTs ?? this.firstTickTs;
    if (ts - since < this.cfg.noFrameS * 1000) return;
    this.silent = true;
    this.emit(out, 'no_frames', 'start', ts, { lastFrameTs: this.lastFrameTs ?? 0, silentS: round((ts - since) / 1000) });
  }

  private reason(m: GreyMeasures): string | undefined {
    if (m.mean < this.cfg.darkMean) return 'dark';
    if (m.std < this.cfg.uniformStd) return 'uniform';
    if (m.sharpness < this.cfg.blurVar) return 'blurred';
    return undefined;
  }

  private emit(out: AlertOut, rule: HealthCondition, type: 'start' | 'end', ts: number, data: NonNullable<AlertDraft['data']>): void {
    const startId: Record<string, string> = type === 'end' ? { startId: this.startIds.get(rule) ?? '' } : {};
    // A snapshot shows the operator what the camera sees; not for no_frames, which has no picture.
    const id = out.emit({ rule, kind: 'health', type, class: 'health', ts, data: { ...data, ...startId } }, rule !== 'no_frames' && type === 'start');
    if (type === 'start') this.startIds.set(rule, id);
  }
}
