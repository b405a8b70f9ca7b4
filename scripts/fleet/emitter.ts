import type { Alert } from '../../src/types.js';

// A simulated camera site: the alerts and count summaries a gateway's event stage would raise, on a
// schedule drawn from a seeded generator, so that a run can be repeated. Nothing here touches the
// network or the outbox; the gateway host feeds what `due` returns into the real Uplink.

export interface SiteProfile {
  cameras: number;
  /** Each camera draws its mean interval between alerts (seconds) uniformly from this range. */
  meanIntervalS: [number, number];
  /** Mean interval between congestion bursts on the site (seconds); 0 for none. */
  burstEveryS: number;
  /** Alerts in one burst, drawn from this range; a burst lasts one second. */
  burstSize: [number, number];
  /** Cameras (the first ones) with a counting line, each sending a count summary per interval. */
  countCameras: number;
  countIntervalS: number;
}

/** A site as a deployed gateway sees it: 12 cameras, an alert per camera every 30-60 s, a burst now and then. */
export const TYPICAL_SITE: SiteProfile = { cameras: 12, meanIntervalS: [30, 60], burstEveryS: 600, burstSize: [20, 50], countCameras: 4, countIntervalS: 60 };

/** mulberry32: small, fast, and the same sequence for the same seed on every machine. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const RULES = [
  { rule: 'lane_crossing', kind: 'line_crossing', line: 'lane1' },
  { rule: 'wrong_way_lane2', kind: 'wrong_way', line: 'lane2' },
  { rule: 'gate_zone', kind: 'zone_entry', zone: 'gate' },
  { rule: 'kerb_loitering', kind: 'loitering', zone: 'kerb' },
] as const;
const LABELS = ['car', 'motorcycle', 'person', 'truck', 'bus', 'bicycle'] as const;

interface Pending {
  atMs: number;
  camera: number;
  what: 'alert' | 'burst' | 'count' | 'burst-start';
}

/**
 * The schedule of one site. `due(now)` returns everything scheduled up to `now`, stamped with `now`
 * as capture time (the moment the gateway would have raised it). Deterministic for a seed: the same
 * alerts in the same order at the same offsets from `startMs`.
 */
export class SiteEmitter {
  private readonly rand: () => number;
  private readonly means: number[];
  private queue: Pending[] = [];
  private n = 0;
  private countFrom: number[];

  constructor(
    private readonly gatewayId: string,
    seed: number,
    private readonly profile: SiteProfile,
    startMs: number,
  ) {
    this.rand = seededRandom(seed);
    const [lo, hi] = profile.meanIntervalS;
    this.means = Array.from({ length: profile.cameras }, () => lo + this.rand() * (hi - lo));
    this.countFrom = Array.from({ length: profile.countCameras }, () => startMs);
    for (let c = 0; c < profile.cameras; c++) this.push({ atMs: startMs + this.exp(this.means[c]!) * 1000, camera: c, what: 'alert' });
    if (profile.burstEveryS > 0) this.push({ atMs: startMs + this.exp(profile.burstEveryS) * 1000, camera: 0, what: 'burst-start' });
    // Count intervals start at random phases, as on sites started at different times.
    for (let c = 0; c < profile.countCameras; c++) this.push({ atMs: startMs + this.rand() * profile.countIntervalS * 1000, camera: c, what: 'count' });
  }

  /** Alerts and count summaries scheduled up to `nowMs`, in schedule order. */
  due(nowMs: number): Alert[] {
    const out: Alert[] = [];
    while (this.queue.length > 0 && this.queue[0]!.atMs <= nowMs) {
      const p = this.queue.shift()!;
      this.fire(p, nowMs, out);
    }
    return out;
  }

  private fire(p: Pending, nowMs: number, out: Alert[]): void {
    switch (p.what) {
      case 'alert':
        out.push(this.alert(p.camera, nowMs));
        this.push({ atMs: p.atMs + this.exp(this.means[p.camera]!) * 1000, camera: p.camera, what: 'alert' });
        return;
      case 'burst-start': {
        // Congestion on one camera: its start, then a crowd of crossings within one second.
        const camera = Math.floor(this.rand() * this.profile.cameras);
        const [lo, hi] = this.profile.burstSize;
        const size = lo + Math.floor(this.rand() * (hi - lo + 1));
        out.push(this.alert(camera, nowMs, { rule: 'congestion', kind: 'congestion', type: 'start' }));
        for (let i = 1; i < size; i++) this.push({ atMs: p.atMs + (i / size) * 1000, camera, what: 'burst' });
        this.push({ atMs: p.atMs + this.exp(this.profile.burstEveryS) * 1000, camera: 0, what: 'burst-start' });
        return;
      }
      case 'burst':
        out.push(this.alert(p.camera, nowMs, { rule: 'lane_crossing', kind: 'line_crossing', line: 'lane1' }));
        return;
      case 'count':
        out.push(this.count(p.camera, nowMs));
        this.push({ atMs: p.atMs + this.profile.countIntervalS * 1000, camera: p.camera, what: 'count' });
        return;
    }
  }

  private alert(camera: number, ts: number, over: Partial<Alert> = {}): Alert {
    const r = RULES[camera % RULES.length]!;
    const x = Math.round(this.rand() * 700) / 1000;
    const y = Math.round(this.rand() * 700) / 1000;
    return {
      ...this.common(camera, ts),
      class: 'alert',
      label: LABELS[Math.floor(this.rand() * LABELS.length)]!,
      score: Math.round((0.5 + this.rand() * 0.5) * 100) / 100,
      box: { x1: x, y1: y, x2: x + 0.2, y2: y + 0.25 },
      trackId: this.n,
      ...r,
      ...over,
    };
  }

  private count(camera: number, ts: number): Alert {
    const from = this.countFrom[camera]!;
    this.countFrom[camera] = ts;
    const total = Math.floor(this.rand() * 60);
    const intervalS = Math.round((ts - from) / 100) / 10;
    return {
      ...this.common(camera, ts),
      rule: 'counting',
      kind: 'count',
      class: 'count',
      line: 'counting',
      data: { fromTs: from, intervalS, carLeftToRight: total, total, flowPerMin: intervalS > 0 ? Math.round((total / intervalS) * 6000) / 100 : 0 },
    };
  }

  /** What every row of the site carries; takes the next id. */
  private common(camera: number, ts: number): Pick<Alert, 'id' | 'gatewayId' | 'cameraId' | 'type' | 'ts' | 'modelId'> {
    return { id: `${this.gatewayId}-${++this.n}`, gatewayId: this.gatewayId, cameraId: `cam-${camera + 1}`, type: 'instant', ts, modelId: 'yolox-nano-int8' };
  }

  /** An exponential draw with this mean: arrivals of a Poisson process. */
  private exp(mean: number): number {
    return -Math.log(1 - this.rand()) * mean;
  }

  private push(p: Pending): void {
    // Few entries per site (one per camera, one for bursts, one per counting line, a burst's crowd).
    let i = this.queue.length;
    while (i > 0 && this.queue[i - 1]!.atMs > p.atMs) i--;
    this.queue.splice(i, 0, p);
  }
}
