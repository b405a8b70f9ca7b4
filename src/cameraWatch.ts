import type { Service } from './agent.js';
import type { CameraConfig } from './config/cameraSchema.js';
import type { OnvifSiteConfig } from './config/onvifSchema.js';
import { CameraEventSubscription, type CameraEvent } from './discovery/cameraEvents.js';
import { DiscoveryListener, type CameraMovedEvent } from './discovery/discoveryListener.js';
import type { Logger } from './log/logger.js';

export interface CameraWatchHandlers {
  /** The camera said Hello from another address: its stream URI should follow. */
  onMoved(cameraId: string, newSource: string, event: CameraMovedEvent): void;
  /** Tamper or motion from the camera's own analytics. */
  onEvent(event: CameraEvent): void;
}

/**
 * Follows the site's ONVIF cameras while the agent runs: WS-Discovery Hello/Bye (cameras known by
 * EPR or serial, never by IP, so DHCP moves are followed) and, where enabled, the camera's own
 * events through a pull point. Nothing here is fatal: without it the cameras still stream.
 */
export class CameraWatch implements Service {
  readonly name = 'camera-watch';
  private listener: DiscoveryListener | undefined;
  private readonly subscriptions = new Map<string, CameraEventSubscription>();

  constructor(
    private readonly cameras: CameraConfig[],
    private readonly site: OnvifSiteConfig,
    private readonly handlers: CameraWatchHandlers,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    const onvif = this.cameras.filter((c) => c.enabled && c.onvif);
    const known = onvif.filter((c) => c.onvif!.epr || c.onvif!.serial);
    if (this.site.listen && known.length > 0) await this.startListener(known);
    for (const cam of onvif.filter((c) => c.onvif!.events)) await this.subscribe(cam);
  }

  async stop(): Promise<void> {
    await Promise.allSettled([...this.subscriptions.values()].map((s) => s.stop()));
    this.subscriptions.clear();
    await this.listener?.stop();
    this.listener = undefined;
  }

  private async startListener(known: CameraConfig[]): Promise<void> {
    const listener = new DiscoveryListener({ port: this.site.discoveryPort });
    for (const cam of known) {
      listener.track({ cameraId: cam.id, epr: cam.onvif!.epr, serial: cam.onvif!.serial, xaddr: deviceUrl(cam) });
    }
    listener.onMoved((e) => void this.moved(e));
    try {
      await listener.start();
      this.listener = listener;
    } catch (err) {
      // Another process may hold the WS-Discovery port; cameras still run, moves are not followed.
      this.log.warn({ err: (err as Error).message, port: this.site.discoveryPort }, 'cannot listen for WS-Discovery; camera moves will not be followed');
    }
  }

  private async moved(e: CameraMovedEvent): Promise<void> {
    const cam = this.cameras.find((c) => c.id === e.cameraId);
    if (!cam?.onvif) return;
    const host = new URL(e.xaddr).hostname;
    const source = withHost(cam.source, host);
    this.log.info({ camera: cam.id, from: cam.onvif.host, to: host }, 'camera moved');
    cam.onvif.host = host;
    this.handlers.onMoved(cam.id, source, e);
    const sub = this.subscriptions.get(cam.id);
    if (sub) {
      this.subscriptions.delete(cam.id);
      await sub.stop();
      await this.subscribe(cam);
    }
  }

  private async subscribe(cam: CameraConfig): Promise<void> {
    const sub = new CameraEventSubscription({
      cameraId: cam.id,
      deviceUrl: deviceUrl(cam),
      credentials: credentialsOf(cam),
      onEvent: (e) => this.handlers.onEvent(e),
      onState: (state, err) => {
        if (state === 'retrying') this.log.warn({ camera: cam.id, err: err?.message }, 'camera event subscription retrying');
        else this.log.info({ camera: cam.id }, 'camera events subscribed');
      },
    });
    this.subscriptions.set(cam.id, sub);
    await sub.start();
  }
}

function deviceUrl(cam: CameraConfig): string {
  return `http://${cam.onvif!.host}:${cam.onvif!.port}/onvif/device_service`;
}

/** The ONVIF user is in the config; its password is the one the stream URI carries (from secrets). */
function credentialsOf(cam: CameraConfig): { user: string; password: string } | undefined {
  const url = new URL(cam.source);
  const user = cam.onvif?.user ?? decodeURIComponent(url.username);
  return user ? { user, password: decodeURIComponent(url.password) } : undefined;
}

/** Same stream on another address: cameras keep their RTSP port and path when DHCP moves them. */
export function withHost(uri: string, host: string): string {
  const url = new URL(uri);
  url.hostname = host;
  return url.toString();
}
