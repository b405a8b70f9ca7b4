import { createSocket, type Socket } from 'node:dgram';
import { localIPv4 } from './subnets.js';
import { parseDiscoveryMessage, WSD_ADDRESS, WSD_PORT, type DiscoveredDevice } from './wsDiscoveryMessages.js';

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

/** A known camera announced itself at a device service URL other than the configured one. */
export interface CameraMovedEvent {
  cameraId: string;
  epr: string;
  /** Preferred new device service URL (the first XAddr). */
  xaddr: string;
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
}

type Handler<T> = (event: T) => void;

/** Listens for WS-Discovery Hello/Bye. start()/stop() as every stateful part; stop() is idempotent. */
export class DiscoveryListener {
  private socket: Socket | undefined;
  private readonly known = new Map<string, KnownCamera>();
  private readonly movedHandlers = new Set<Handler<CameraMovedEvent>>();
  private readonly helloHandlers = new Set<Handler<DiscoveredDevice>>();
  private readonly byeHandlers = new Set<Handler<{ epr: string; cameraId?: string }>>();

  constructor(private readonly options: DiscoveryListenerOptions = {}) {}

  /** Watches a camera (replaces an earlier entry with the same cameraId). */
  track(camera: KnownCamera): void {
    this.known.set(camera.cameraId, { ...camera });
  }

  untrack(cameraId: string): void {
    this.known.delete(cameraId);
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
    socket.on('message', (m, rinfo) => void this.handle(m.toString('utf8'), rinfo.address));
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

  private async handle(xml: string, from: string): Promise<void> {
    const msg = parseDiscoveryMessage(xml, from);
    if (msg?.type === 'bye') {
      const cam = [...this.known.values()].find((k) => k.epr === msg.epr);
      this.byeHandlers.forEach((h) => h({ epr: msg.epr, ...(cam ? { cameraId: cam.cameraId } : {}) }));
    }
    if (msg?.type !== 'hello') return;
    const device = msg.device;
    this.helloHandlers.forEach((h) => h(device));
    let cam = [...this.known.values()].find((k) => k.epr === device.epr);
    if (!cam && this.options.resolveSerial && device.xaddrs[0]) {
      const bySerial = [...this.known.values()].filter((k) => k.serial && !k.epr);
      const serial = bySerial.length > 0 ? await this.options.resolveSerial(device.xaddrs[0]).catch(() => undefined) : undefined;
      cam = serial ? bySerial.find((k) => k.serial === serial) : undefined;
      if (cam) cam.epr = device.epr;
    }
    const xaddr = device.xaddrs[0];
    if (!cam || !xaddr || device.xaddrs.includes(cam.xaddr ?? '')) return;
    const event: CameraMovedEvent = { cameraId: cam.cameraId, epr: device.epr, xaddr, xaddrs: device.xaddrs, address: from, ts: Date.now() };
    if (cam.xaddr) event.previousXAddr = cam.xaddr;
    cam.xaddr = xaddr;
    this.movedHandlers.forEach((h) => h(event));
  }
}
