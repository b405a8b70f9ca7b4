import { v7 as uuidv7 } from 'uuid';
import type { Service } from './agent.js';
import type { CameraConfig } from './config/cameraSchema.js';
import type { OnvifSiteConfig } from './config/onvifSchema.js';
import { verifyCameraIdentity, type IdentityCheck, type RecordedIdentity } from './discovery/cameraIdentity.js';
import { CameraEventSubscription, type CameraEvent } from './discovery/cameraEvents.js';
import type { CheckedUrl } from './discovery/deviceUrl.js';
import { shownText } from './discovery/deviceUrl.js';
import { DiscoveryListener, type CameraMovedEvent, type ListenerStats } from './discovery/discoveryListener.js';
import type { SoapCredentials } from './discovery/soapClient.js';
import type { Logger } from './log/logger.js';
import type { Alert } from './types.js';

/** Refused addresses remembered per camera. */
const MAX_REFUSED = 32;
/** A device that could not be asked is asked again at a Hello after this long. */
const RECHECK_AFTER_MS = 60_000;

/** The outcome of checking a camera's claimed move, for the log and the health alerts. */
export interface MoveVerdict {
  /** true: the device at the new address proved to be the camera and the stream follows it. */
  accepted: boolean;
  /** Host the camera was configured at before the claim. */
  from: string;
  /** Host the Hello claimed the camera moved to. */
  to: string;
  /** Source address of the Hello (often, but not necessarily, `to`). */
  sender: string;
  /** Why it was refused (or 'identity verified'); bounded, one line, no credentials. */
  reason: string;
  /** When the check finished, epoch ms. */
  ts: number;
}

export interface CameraWatchHandlers {
  /**
   * The camera proved to be at another address (same serial number, hardware id and EPR as
   * recorded): its stream URI should follow. Called only after onMoveChecked with accepted=true;
   * never called for a refused move, so no credential goes to an unverified address.
   */
  onMoved(cameraId: string, newSource: string, event: CameraMovedEvent): void;
  /**
   * Every checked move claim, accepted or refused, once per claim (a refused address that keeps
   * announcing itself is reported once). A refused move may mean someone impersonates the camera:
   * the receiver should raise a health alert (see moveAlert). Must not throw; called on the watch's
   * own asynchronous path, never concurrently for one camera.
   */
  onMoveChecked?(cameraId: string, verdict: MoveVerdict): void;
  /** Tamper or motion from the camera's own analytics. */
  onEvent(event: CameraEvent): void;
}

/** Checks the device at a claimed new address (tests replace it; the default asks the device over ONVIF). */
export type MoveVerifier = (req: {
  cameraId: string;
  url: CheckedUrl;
  claimedEpr: string;
  expected: RecordedIdentity;
  credentials: SoapCredentials | undefined;
  timeoutMs: number;
}) => Promise<IdentityCheck>;

export interface CameraWatchOptions {
  verify?: MoveVerifier;
  /** Per ONVIF request of the identity check. Default 5000. */
  verifyTimeoutMs?: number;
}

/**
 * Follows the site's ONVIF cameras while the agent runs: WS-Discovery Hello/Bye (cameras known by
 * EPR or serial, never by IP, so DHCP moves are followed, but only after the device at the new
 * address proved to be the camera) and, where enabled, the camera's own events through a pull
 * point. Nothing here is fatal: without it the cameras still stream.
 */
export class CameraWatch implements Service {
  readonly name = 'camera-watch';
  private listener: DiscoveryListener | undefined;
  private readonly subscriptions = new Map<string, CameraEventSubscription>();
  /** Cameras whose move claim is being checked: one check at a time per camera. */
  private readonly checking = new Set<string>();
  /**
   * Per camera, the addresses refused (the last MAX_REFUSED) and until when: the same claim again
   * is neither checked nor reported again, so an impostor repeating its Hello cannot flood the
   * uplink. A definitive refusal (another serial number) holds for good; one where the device could
   * not be asked (a camera still booting) holds for RECHECK_AFTER_MS.
   */
  private readonly refused = new Map<string, { href: string; untilTs: number }[]>();

  constructor(
    private readonly cameras: CameraConfig[],
    private readonly site: OnvifSiteConfig,
    private readonly handlers: CameraWatchHandlers,
    private readonly log: Logger,
    private readonly options: CameraWatchOptions = {},
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

  /** The running WS-Discovery listener (undefined when not listening): its stats() and, in tests, receive(). */
  get discovery(): DiscoveryListener | undefined {
    return this.listener;
  }

  /** Datagram counters of the listener, or undefined when not listening. */
  stats(): ListenerStats | undefined {
    return this.listener?.stats();
  }

  private async startListener(known: CameraConfig[]): Promise<void> {
    const listener = new DiscoveryListener({ port: this.site.discoveryPort, log: this.log });
    for (const cam of known) {
      listener.track({ cameraId: cam.id, epr: cam.onvif!.epr, serial: cam.onvif!.serial, xaddr: deviceUrl(cam) });
    }
    listener.onMoved((e) => {
      this.moved(e).catch((err: unknown) => this.log.warn({ camera: e.cameraId, err: errorText(err) }, 'camera move not handled'));
    });
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
    if (!cam?.onvif || this.checking.has(cam.id) || this.wasRefused(cam.id, e.url.href)) return;
    this.checking.add(cam.id);
    try {
      await this.checkAndMove(cam, e);
    } finally {
      this.checking.delete(cam.id);
    }
  }

  private async checkAndMove(cam: CameraConfig, e: CameraMovedEvent): Promise<void> {
    const onvif = cam.onvif!;
    const { credentials } = credentialsOf(cam);
    const verify = this.options.verify ?? verifyCameraIdentity;
    const expected: RecordedIdentity = { epr: onvif.epr, serial: onvif.serial, hardwareId: onvif.hardwareId };
    const timeoutMs = this.options.verifyTimeoutMs ?? 5000;
    const check = await verify({ cameraId: cam.id, url: e.url, claimedEpr: e.epr, expected, credentials, timeoutMs }).catch(
      (err: unknown): IdentityCheck => ({ ok: false, reason: `identity check failed: ${errorText(err)}` }),
    );
    const source = check.ok ? withHost(cam.source, e.url.hostname) : undefined;
    const base = { from: onvif.host, to: e.url.hostname, sender: e.address, ts: Date.now() };
    if (!check.ok || source === undefined) {
      const reason = shownText(check.ok ? 'the stream URI in the config cannot be moved to the new host' : check.reason, 300);
      const untilTs = !check.ok && check.transient ? Date.now() + RECHECK_AFTER_MS : Infinity;
      const kept = (this.refused.get(cam.id) ?? []).filter((r) => r.href !== e.url.href);
      this.refused.set(cam.id, [...kept, { href: e.url.href, untilTs }].slice(-MAX_REFUSED));
      this.log.warn({ camera: cam.id, ...base, reason }, 'camera move refused');
      this.report(cam.id, { accepted: false, ...base, reason });
      return;
    }
    this.refused.delete(cam.id);
    onvif.host = e.url.hostname;
    onvif.port = e.url.port;
    this.listener?.setAddress(cam.id, e.url);
    this.log.info({ camera: cam.id, ...base }, 'camera moved');
    this.report(cam.id, { accepted: true, ...base, reason: 'identity verified' });
    this.handlers.onMoved(cam.id, source, e);
    const sub = this.subscriptions.get(cam.id);
    if (sub) {
      this.subscriptions.delete(cam.id);
      await sub.stop();
      await this.subscribe(cam);
    }
  }

  private wasRefused(cameraId: string, href: string): boolean {
    return (this.refused.get(cameraId) ?? []).some((r) => r.href === href && r.untilTs > Date.now());
  }

  private report(cameraId: string, verdict: MoveVerdict): void {
    try {
      this.handlers.onMoveChecked?.(cameraId, verdict);
    } catch (err) {
      this.log.error({ camera: cameraId, err: errorText(err) }, 'camera move report failed');
    }
  }

  private async subscribe(cam: CameraConfig): Promise<void> {
    const { credentials, problem } = credentialsOf(cam);
    if (problem) this.log.warn({ camera: cam.id, problem }, 'camera events subscribed without credentials');
    const sub = new CameraEventSubscription({
      cameraId: cam.id,
      deviceUrl: deviceUrl(cam),
      credentials,
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

/**
 * The health alert for a checked move: `camera_move_refused` (level warning: the centre should
 * know someone may be impersonating the camera) or `camera_moved` (level info). Kind `health`,
 * class `health`, an instant; the figures say from, to, sender and why. No credentials in it.
 */
export function moveAlert(gatewayId: string, cameraId: string, v: MoveVerdict): Alert {
  return {
    id: uuidv7(),
    gatewayId,
    cameraId,
    rule: v.accepted ? 'camera_moved' : 'camera_move_refused',
    kind: 'health',
    type: 'instant',
    class: 'health',
    ts: v.ts,
    data: { level: v.accepted ? 'info' : 'warning', from: v.from, to: v.to, sender: v.sender, reason: v.reason },
  };
}

function deviceUrl(cam: CameraConfig): string {
  const host = cam.onvif!.host.includes(':') ? `[${cam.onvif!.host}]` : cam.onvif!.host;
  return `http://${host}:${cam.onvif!.port}/onvif/device_service`;
}

/**
 * The ONVIF user is in the config; its password is the one the stream URI carries (from secrets).
 * Never throws: a source that does not parse as a URL gives no credentials and says why.
 */
export function credentialsOf(cam: CameraConfig): { credentials?: SoapCredentials; problem?: string } {
  if (!URL.canParse(cam.source)) {
    return { problem: 'the camera source is not a valid URI, so its password cannot be read (encode @ / : in the password)' };
  }
  const url = new URL(cam.source);
  const user = cam.onvif?.user ?? safeDecode(url.username);
  return user ? { credentials: { user, password: safeDecode(url.password) } } : {};
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Same stream on another address: cameras keep their RTSP port and path when DHCP moves them. undefined if `uri` does not parse. */
export function withHost(uri: string, host: string): string | undefined {
  if (!URL.canParse(uri)) return undefined;
  const url = new URL(uri);
  url.hostname = host.includes(':') ? `[${host}]` : host;
  return url.toString();
}

function errorText(err: unknown): string {
  return shownText(err instanceof Error ? err.message : String(err), 300);
}
