import type { Box } from '../types.js';

// Constant-velocity Kalman filter on a box as [centre x, centre y, aspect w/h, height], each with its
// velocity, as SORT and ByteTrack model it. F, Q, R and H are all block-diagonal per measured
// quantity, so the 8×8 covariance stays four independent 2×2 blocks (position, velocity) for ever:
// four scalar filters give exactly the full filter's answer without a matrix library or a per-frame
// allocation.
//
// Noise scales with the box height, as in ByteTrack, so a near (large) car and a far (small) one get
// the same relative tolerance. Velocities are per second, not per frame, because frames arrive at
// uneven intervals (motion gate, skipped inference); process noise grows with the elapsed time.

/** Measurement noise, standard deviation as a fraction of the height (ByteTrack: 1/20). */
const MEAS_POS = 0.05;
/** Measurement noise of the aspect ratio (ByteTrack: 0.1). */
const MEAS_ASPECT = 0.1;
/** Position random walk, fraction of the height per √s (ByteTrack's 1/20 per frame at 30 fps ≈ 0.27). */
const PROC_POS = 0.27;
/**
 * Velocity random walk, heights per second per √s. ByteTrack's 1/160 per frame at 30 fps is about 1.0;
 * twice that, because at 5 to 10 fps an approaching car's growth and perspective drift accelerate
 * noticeably between two frames, which a constant-velocity model can only absorb as noise.
 */
const PROC_VEL = 2.0;
const PROC_ASPECT = 0.05;
const PROC_ASPECT_VEL = 0.05;
/** Initial velocity uncertainty, heights per second: a new track may move anywhere. */
const INIT_VEL = 2.0;
const INIT_ASPECT_VEL = 0.05;

/** 95 % point of the χ² distribution with 4 degrees of freedom: the gate DeepSORT and ByteTrack use. */
export const CHI2_GATE_4 = 9.4877;

const N = 4;

/** One object's motion state. Mutable; owned by its track. */
export class KalmanBox {
  /** Means: cx, cy, aspect, height (pixels; aspect unitless). */
  private readonly x = new Float64Array(N);
  /** Velocities of the same, per second. */
  private readonly v = new Float64Array(N);
  /** Covariance blocks per quantity: var(position), cov(position, velocity), var(velocity). */
  private readonly p00 = new Float64Array(N);
  private readonly p01 = new Float64Array(N);
  private readonly p11 = new Float64Array(N);
  private readonly z = new Float64Array(N);

  constructor(box: Box) {
    toMeasurement(box, this.x);
    const h = this.x[3]!;
    for (let i = 0; i < N; i++) {
      const aspect = i === 2;
      this.p00[i] = aspect ? 1e-4 : (2 * MEAS_POS * h) ** 2;
      this.p01[i] = 0;
      this.p11[i] = aspect ? INIT_ASPECT_VEL ** 2 : (INIT_VEL * h) ** 2;
    }
  }

  /** Moves the state `dtS` seconds ahead and widens the covariance accordingly. */
  predict(dtS: number): void {
    if (dtS <= 0) return;
    const h = Math.max(1, this.x[3]!);
    for (let i = 0; i < N; i++) {
      const aspect = i === 2;
      const qPos = (aspect ? PROC_ASPECT : PROC_POS * h) ** 2 * dtS;
      const qVel = (aspect ? PROC_ASPECT_VEL : PROC_VEL * h) ** 2 * dtS;
      this.x[i]! += this.v[i]! * dtS;
      const p01 = this.p01[i]!;
      const p11 = this.p11[i]!;
      this.p00[i]! += dtS * (2 * p01 + dtS * p11) + qPos;
      this.p01[i] = p01 + dtS * p11;
      this.p11[i] = p11 + qVel;
    }
    if (this.x[3]! < 1) this.x[3] = 1;
    if (this.x[2]! < 0.05) this.x[2] = 0.05;
  }

  /** Corrects the state with a measured box (a matched detection). */
  update(box: Box): void {
    toMeasurement(box, this.z);
    const h = this.x[3]!;
    for (let i = 0; i < N; i++) {
      const s = this.p00[i]! + measVar(i, h);
      const k0 = this.p00[i]! / s;
      const k1 = this.p01[i]! / s;
      const y = this.z[i]! - this.x[i]!;
      this.x[i]! += k0 * y;
      this.v[i]! += k1 * y;
      const p01 = this.p01[i]!;
      this.p11[i]! -= k1 * p01;
      this.p01[i] = (1 - k0) * p01;
      this.p00[i]! *= 1 - k0;
    }
  }

  /**
   * Squared Mahalanobis distance of a box from the predicted state, over position, aspect and
   * height (4 degrees of freedom): under the model, 95 % of true matches fall within CHI2_GATE_4.
   */
  distance2(box: Box): number {
    toMeasurement(box, this.z);
    const h = this.x[3]!;
    let d = 0;
    for (let i = 0; i < N; i++) {
      const y = this.z[i]! - this.x[i]!;
      d += (y * y) / (this.p00[i]! + measVar(i, h));
    }
    return d;
  }

  /** The predicted box, written into `out` (returned). */
  box(out: Box = { x1: 0, y1: 0, x2: 0, y2: 0 }): Box {
    const h = this.x[3]!;
    const w = this.x[2]! * h;
    out.x1 = this.x[0]! - w / 2;
    out.x2 = this.x[0]! + w / 2;
    out.y1 = this.x[1]! - h / 2;
    out.y2 = this.x[1]! + h / 2;
    return out;
  }

  /** Standard deviation of the predicted centre, in box heights: how vague the prediction is. */
  relativeSpread(): number {
    return Math.sqrt(this.p00[0]! + this.p00[1]!) / Math.max(1, this.x[3]!);
  }

  /** Velocity of the centre and of the height, pixels per second. */
  velocity(): { vx: number; vy: number; vh: number } {
    return { vx: this.v[0]!, vy: this.v[1]!, vh: this.v[3]! };
  }

  /** Stops the motion (a parked object): velocities zero and certain, so the box does not drift. */
  halt(): void {
    for (let i = 0; i < N; i++) {
      this.v[i] = 0;
      this.p01[i] = 0;
      this.p11[i] = i === 2 ? 1e-6 : (0.05 * this.x[3]!) ** 2;
    }
  }
}

function measVar(i: number, h: number): number {
  return i === 2 ? MEAS_ASPECT ** 2 : (MEAS_POS * h) ** 2;
}

function toMeasurement(b: Box, out: Float64Array): void {
  const w = Math.max(1e-6, b.x2 - b.x1);
  const h = Math.max(1e-6, b.y2 - b.y1);
  out[0] = (b.x1 + b.x2) / 2;
  out[1] = (b.y1 + b.y2) / 2;
  out[2] = w / h;
  out[3] = h;
}
