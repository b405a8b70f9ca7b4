import { createSocket, type Socket } from 'node:dgram';
import { redactUri } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { checkDeviceUrl, shownText, type CheckedUrl } from './deviceUrl.js';
import { localIPv4 } from './subnets.js';
import { readDiscoveryMessage, WSD_ADDRESS, WSD_PORT, type AnnouncedDevice, type DiscoveredDevice } from './wsDiscoveryMessages.js';

// Passive discovery while the agent runs: cameras announce themselves with Hello when they boot or
// get a new address (DHCP) and Bye when they shut down. A camera is recognised by its EPR or its
// serial number, never by IP, because the IP is exactly what changes.

/** A configured camera the listener watches for. At least one of epr and serial should be set. */
export interface KnownCamera {
  cameraId: string;
  epr?: string;
  serial?: string;
  /** The device service URL currently configured, to tell a move from a mere re-announcement. */
  xaddr?: string;
}

/**
 * A known camera announced itself at a device service URL other than the configured one. Only a
 * claim: anyone on the segment can send it. The listener does not adopt the new address; the
 * receiver verifies the device there and calls setAddress() once it proved to be the camera.
 */
export interface CameraMovedEvent {
  cameraId: string;
  epr: string;
  /** Preferred new device service URL (the first routable XAddr), checked. */
  xaddr: string;
  /** The checked form of `xaddr`: the receiver never parses network text again. */
  url: CheckedUrl;
  xaddrs: string[];
  previousXAddr?: string;
  /** Source IP of the Hello. */
  address: string;
  ts: number;
}

export interface DiscoveryListenerOptions {
  /** UDP port to listen on; 3702 except in tests. */
  port?: number;
  /** Interface names to join the multicast group on (default: every non-loopback IPv4 interface). */
  interfaces?: string[];
  /**
   * Reads the serial number of a device that said Hello with an EPR we do not know, so that cameras
   * known only by serial are still recognised (typically probeCamera with the site credentials).
   * Failures are ignored. Called at most once per unknown EPR and Hello.
   */
  resolveSerial?: (xaddr: string) => Promise<string | undefined>;
  /** Where unusable datagrams are reported (warn, with the sender); silent without. */
  log?: Logger;
}

/** Why a datagram was dropped: counted in stats().rejected. */
export type RejectReason = 'malformed' | 'bad-xaddr' | 'handler-failed';

/**
 * Counters since construction: every datagram is `received`, then counted once as hello, bye,
 * ignored, or rejected as malformed or bad-xaddr (a Hello with some usable XAddrs still goes on);
 * handler-failed comes on top when a handler threw while it was handled.
 */
export interface ListenerStats {
  received: number;
  hello: number;
  bye: number;
  /** Well-formed but not a Hello or Bye (Probes of other clients, Resolve...). */
  ignored: number;
  rejected: Record<RejectReason, number>;
}

/** Warnings per reason logged in full; after that only every 1000th, so a flood cannot fill the disk. */
const WARN_FIRST = 10;

type Handler<T> = (event: T) => void;

/** Listens for WS-Discovery Hello/Bye. start()/stop() as every stateful part; stop() is idempotent. */
export class DiscoveryListener {
  private socket: Socket | undefined;
  private readonly known = new Map<string, KnownCamera>();
  private readonly movedHandlers = new Set<Handler<CameraMovedEvent>>();
  private readonly helloHandlers = new Set<Handler<DiscoveredDevice>>();
  private readonly byeHandlers = new Set<Handler<{ epr: string; cameraId?: string }>>();
  private readonly counts: ListenerStats = { received: 0, hello: 0, bye: 0, ignored: 0, rejected: { malformed: 0, 'bad-xaddr': 0, 'handler-failed': 0 } };

  constructor(private readonly options: DiscoveryListenerOptions = {}) {}

  /** Watches a camera (replaces an earlier entry with the same cameraId). */
  track(camera: KnownCamera): void {
    this.known.set(camera.cameraId, { ...camera });
  }

  untrack(cameraId: string): void {
    this.known.delete(cameraId);
  }

  /**
   * Records where a known camera now is, after the receiver of a CameraMovedEvent verified it.
   * Only a checked address can be stored, so a bad address from the network never lands here.
   */
  setAddress(cameraId: string, xaddr: CheckedUrl): void {
    const cam = this.known.get(cameraId);
    if (cam) cam.xaddr = xaddr.href;
  }

  /** Datagram counters since construction (a copy). */
  stats(): ListenerStats {
    return { ...this.counts, rejected: { ...this.counts.rejected } };
  }

  /** Called when a known camera comes back at a new address. Returns an unsubscribe function. */
  onMoved(fn: Handler<CameraMovedEvent>): () => void {
    this.movedHandlers.add(fn);
    return () => this.movedHandlers.delete(fn);
  }

  /** Called on every Hello, known camera or not. */
  onHello(fn: Handler<DiscoveredDevice>): () => void {
    this.helloHandlers.add(fn);
    return () => this.helloHandlers.delete(fn);
  }

  /** Called on every Bye; `cameraId` is set when the EPR belongs to a known camera. */
  onBye(fn: Handler<{ epr: string; cameraId?: string }>): () => void {
    this.byeHandlers.add(fn);
    return () => this.byeHandlers.delete(fn);
  }

  /** Binds the WS-Discovery port and joins the multicast group on each interface. */
  async start(): Promise<void> {
    if (this.socket) return;
    const socket = createSocket({ type: 'udp4', reuseAddr: true });
    socket.on('message', (m, rinfo) => {
      this.receive(m, rinfo.address).catch((err: unknown) => this.reject('handler-failed', rinfo.address, err));
    });
    socket.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(this.options.port ?? WSD_PORT, () => resolve());
    });
    const locals = localIPv4(this.options.interfaces);
    if (locals.length === 0) socket.addMembership(WSD_ADDRESS);
    for (const local of locals) {
      try {
        socket.addMembership(WSD_ADDRESS, local.address);
      } catch {
        // An interface without multicast (a point-to-point uplink) is skipped.
      }
    }
    this.socket = socket;
  }

  async stop(): Promise<void> {
    const s = this.socket;
    this.socket = undefined;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  /**
   * Handles one datagram from `from` (the socket's handler; tests call it directly). Resolves when
   * the handlers have been called; never rejects: an unusable datagram is counted, logged and dropped.
   */
  async receive(datagram: Buffer | string, from: string): Promise<void> {
    this.counts.received++;
    try {
      await this.handle(typeof datagram === 'string' ? datagram : datagram.toString('utf8'), from);
    } catch (err) {
      this.reject('handler-failed', from, err);
    }
  }

  private async handle(xml: string, from: string): Promise<void> {
    const msg = readDiscoveryMessage(xml, from);
    if (msg.type === 'malformed') return this.reject('malformed', from, msg.reason);
    if (msg.type === 'other' || msg.type === 'probe-match') {
      this.counts.ignored++;
      return;
    }
    if (msg.type === 'bye') {
      this.counts.bye++;
      const cam = [...this.known.values()].find((k) => k.epr === msg.epr);
      this.each(this.byeHandlers, { epr: msg.epr, ...(cam ? { cameraId: cam.cameraId } : {}) }, from);
      return;
    }
    const device = msg.device;
    if (device.rejected.length > 0) {
      const bad = device.rejected.map((r) => `"${shownText(redactUri(r.raw), 80)}" (${r.reason})`).join(', ');
      this.reject('bad-xaddr', from, `XAddrs ${bad}`, device.epr);
      if (device.checked.length === 0) return;
    } else this.counts.hello++;
    this.each(this.helloHandlers, device, from);
    await this.knownMoved(device, from);
  }

  /** A Hello from a known camera at an address other than the one configured: a claimed move. */
  private async knownMoved(device: AnnouncedDevice, from: string): Promise<void> {
    const first = device.checked[0];
    // A Hello without XAddrs is valid WS-Discovery (the client would Resolve); it claims no address.
    if (!first) return;
    let cam = [...this.known.values()].find((k) => k.epr === device.epr);
    if (!cam && this.options.resolveSerial) {
      const bySerial = [...this.known.values()].filter((k) => k.serial && !k.epr);
      const serial = bySerial.length > 0 ? await this.options.resolveSerial(first.href).catch(() => undefined) : undefined;
      cam = serial ? bySerial.find((k) => k.serial === serial) : undefined;
      if (cam) cam.epr = device.epr;
    }
    if (!cam || device.xaddrs.includes(cam.xaddr ?? '') || device.xaddrs.includes(normalised(cam.xaddr))) return;
    const event: CameraMovedEvent = {
      cameraId: cam.cameraId,
      epr: device.epr,
      xaddr: first.href,
      url: first,
      xaddrs: device.xaddrs,
      address: from,
      ts: Date.now(),
    };
    if (cam.xaddr) event.previousXAddr = cam.xaddr;
    this.each(this.movedHandlers, event, from);
  }

  /** Calls every handler; one that throws is counted and logged, the others still run. */
  private each<T>(handlers: Set<Handler<T>>, event: T, from: string): void {
    for (const h of handlers) {
      try {
        h(event);
      } catch (err) {
        this.reject('handler-failed', from, err);
      }
    }
  }

  private reject(reason: RejectReason, from: string, detail: unknown, epr?: string): void {
    const n = ++this.counts.rejected[reason];
    if (n > WARN_FIRST && n % 1000 !== 0) return;
    const text = detail instanceof Error ? `${detail.name}: ${detail.message}` : String(detail);
    this.options.log?.warn(
      { from, reason, detail: shownText(text, 300), ...(epr ? { epr: shownText(epr, 80) } : {}), count: n },
      'WS-Discovery datagram dropped',
    );
  }
}

/** A configured address in the form checked addresses take (http://h:80/x → http://h/x). */
function normalised(xaddr: string | undefined): string {
  if (xaddr === undefined) return '';
  const c = checkDeviceUrl(xaddr);
  return c.ok ? c.url.href : xaddr;
}
