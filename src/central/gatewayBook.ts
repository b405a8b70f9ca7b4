// What this centre instance knows of each gateway's liveness, from the retained `state` (and the
// broker's last will) and the signed camera status messages. Every instance subscribes to these
// outside the shared group, so each has the whole picture.

export interface CameraState {
  online: boolean;
  /** Kind of failure when offline (`connection`, `stalled`, …). */
  error?: string;
  sinceTs: number;
}

export interface GatewayState {
  base: string;
  /** From the unsigned state: a hint (the broker writes the offline one as last will). */
  online: boolean;
  boot?: number;
  sinceTs: number;
  cameras: Record<string, CameraState>;
}

export class GatewayBook {
  private readonly gateways = new Map<string, GatewayState>();

  setState(gateway: string, base: string, online: boolean, boot: number | undefined, now: number): void {
    const g = this.entry(gateway, base, now);
    if (g.online !== online) g.sinceTs = now;
    g.online = online;
    if (boot !== undefined) g.boot = boot;
  }

  setCamera(gateway: string, base: string, camera: string, online: boolean, error: string | undefined, now: number): void {
    const g = this.entry(gateway, base, now);
    const before = g.cameras[camera];
    g.cameras[camera] = { online, ...(error !== undefined ? { error } : {}), sinceTs: before && before.online === online ? before.sinceTs : now };
  }

  get(gateway: string): GatewayState | undefined {
    return this.gateways.get(gateway);
  }

  all(): Map<string, GatewayState> {
    return this.gateways;
  }

  private entry(gateway: string, base: string, now: number): GatewayState {
    let g = this.gateways.get(gateway);
    if (!g) {
      g = { base, online: false, sinceTs: now, cameras: {} };
      this.gateways.set(gateway, g);
    }
    g.base = base;
    return g;
  }
}
