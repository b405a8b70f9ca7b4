import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { DiscoveryResponder } from './discoveryResponder.js';
import { SimAuth } from './simAuth.js';
import { SimEvents, type SimEventKind } from './simEvents.js';
import { handleSoap, type SimQuirks, type SimReply, type SimState } from './simSoap.js';
import { VENDORS, type VendorId } from './vendors.js';

// A simulated ONVIF camera for tests and demos: device, media (1 and 2) and events services over
// HTTP, WS-Security (or HTTP digest) checked against its own clock, and a WS-Discovery responder.

export interface CameraSimOptions {
  vendor: VendorId;
  /** Address the HTTP server listens on and the camera advertises. Default 127.0.0.1. */
  host?: string;
  /** HTTP port; 0 or absent: a free one. */
  httpPort?: number;
  user?: string;
  password?: string;
  auth?: 'ws-security' | 'http-digest';
  /** Camera clock − true time, ms. */
  clockSkewMs?: number;
  /** Freshness window for WS-Security Created, ms. Default 10 s. */
  maxSkewMs?: number;
  /** Firmware bug: GetSystemDateAndTime reports true time although tokens are checked on the skewed clock. */
  clockBug?: boolean;
  /** Where GetStreamUri points; default rtsp://<host>:554/h264 and /h265. */
  rtsp?: { h264: string; h265: string };
  refuseStreamUri?: boolean;
  epr?: string;
  serial?: string;
  /** HardwareId in GetDeviceInformation; default the vendor's. */
  hardwareId?: string;
  name?: string;
  /** Firmware quirks seen on real cameras, each off unless given. */
  quirks?: SimQuirks;
  /** Rewrites a reply before it is sent (fuzz tests mutate them); `op` is the SOAP operation. */
  mutateReply?: (op: string, reply: SimReply) => SimReply;
  /** WS-Discovery: off unless given. `multicastInterface` is the address to join the group on. */
  discovery?: {
    port?: number;
    multicastInterface?: string;
    dropProbes?: number;
    onProbe?: (result: 'answered' | 'dropped', from: string) => void;
  };
}

export interface CameraSim {
  deviceUrl: string;
  port: number;
  epr: string;
  serial: string;
  user: string;
  password: string;
  /** Operations received, as "path Operation". */
  log: string[];
  /** Every request received: headers and body (for tests that check what a client sent). */
  requests: { headers: Record<string, string | string[] | undefined>; body: string }[];
  responder?: DiscoveryResponder;
  events: SimEvents;
  emitEvent(kind: SimEventKind, state: boolean): void;
  /** Drops every connection and subscription and comes back on the same port after `downMs`. */
  reboot(downMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startCameraSim(opts: CameraSimOptions): Promise<CameraSim> {
  const vendor = VENDORS[opts.vendor];
  const host = opts.host ?? '127.0.0.1';
  const user = opts.user ?? 'admin';
  const password = opts.password ?? 'sim-pass-1';
  const serial = opts.serial ?? `${vendor.serialPrefix}${Math.floor(Math.random() * 1e6)}`;
  const epr = opts.epr ?? `urn:uuid:${randomUUID()}`;
  let port = opts.httpPort ?? 0;
  const skew = opts.clockSkewMs ?? 0;
  const state: SimState = {
    vendor,
    auth: new SimAuth({ user, password, mode: opts.auth ?? 'ws-security', maxSkewMs: opts.maxSkewMs ?? 10_000, realm: vendor.realm }),
    events: new SimEvents(),
    base: () => `http://${host}:${port}`,
    serial,
    cameraNow: () => Date.now() + skew,
    reportedNow: () => (opts.clockBug ? Date.now() : Date.now() + skew),
    rtsp: opts.rtsp ?? { h264: `rtsp://${host}:554/h264`, h265: `rtsp://${host}:554/h265` },
    refuseStreamUri: opts.refuseStreamUri ?? false,
    hardwareId: opts.hardwareId,
    quirks: opts.quirks ?? {},
    log: [],
    requests: [],
  };
  let server = await listen(state, host, port, opts.mutateReply);
  port = (server.server.address() as { port: number }).port;
  let responder: DiscoveryResponder | undefined;
  if (opts.discovery) {
    responder = new DiscoveryResponder({
      epr,
      scopes: vendor.scopes(opts.name ?? vendor.defaultName),
      xaddr: () => `${state.base()}/onvif/device_service`,
      port: opts.discovery.port ?? 3702,
      multicastInterface: opts.discovery.multicastInterface,
      dropProbes: opts.discovery.dropProbes ?? 0,
      onProbe: opts.discovery.onProbe,
    });
    await responder.start();
  }
  return {
    deviceUrl: `${state.base()}/onvif/device_service`,
    port,
    epr,
    serial,
    user,
    password,
    log: state.log,
    requests: state.requests,
    responder,
    events: state.events,
    emitEvent: (kind, on) => state.events.emit(kind, on, state.cameraNow()),
    reboot: async (downMs = 200) => {
      await server.close();
      state.events.clear();
      await new Promise((r) => setTimeout(r, downMs));
      server = await listen(state, host, port, opts.mutateReply);
    },
    stop: async () => {
      await responder?.stop();
      await server.close();
      state.events.clear();
    },
  };
}

async function listen(
  state: SimState,
  host: string,
  port: number,
  mutateReply?: CameraSimOptions['mutateReply'],
): Promise<{ server: Server; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    req.on('end', () => {
      void handleSoap(state, req, body).then((plain) => {
        const reply = mutateReply ? mutateReply(plain.op ?? '', plain) : plain;
        // Content-Length, not chunked: cameras send it, and some clients (libonvif) cannot de-chunk.
        res.writeHead(reply.status, {
          'Content-Type': 'application/soap+xml; charset=utf-8',
          'Content-Length': Buffer.byteLength(reply.body),
          ...reply.headers,
        });
        res.end(reply.body);
      });
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
    });
  return { server, close };
}
