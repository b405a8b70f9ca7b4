import { createSocket, type Socket } from 'node:dgram';
import { expandTargets, localIPv4 } from './subnets.js';
import { buildProbe, parseDiscoveryMessage, plainDevice, WSD_ADDRESS, WSD_PORT, type DiscoveredDevice } from './wsDiscoveryMessages.js';

// Active discovery: multicast Probes out of every IPv4 interface (a gateway often has a camera
// LAN and an uplink, and the default route points at the wrong one), plus optional unicast Probes
// for routed VLANs. UDP gets lost, so each Probe is sent several times; answers are merged by EPR.

export interface DiscoverOptions {
  /** How long to listen for answers, ms. Default 4000. */
  timeoutMs?: number;
  /** Rounds of Probes, spread over the first half of the timeout. Default 3. */
  rounds?: number;
  /** Hosts or CIDRs (≤ /22) to probe by unicast as well. */
  unicast?: string[];
  /** Restrict multicast to these interface names (default: every non-loopback IPv4 interface). */
  interfaces?: string[];
  /** Destination port of Probes; 3702 except in tests. */
  port?: number;
  /** Called on every newly found device (not on repeats), with the count so far. */
  onDevice?: (device: DiscoveredDevice, count: number) => void;
  /** Ends the search early; the devices found so far are returned. */
  signal?: AbortSignal;
}

/** Finds ONVIF devices; resolves after `timeoutMs` with one entry per EPR, sorted by address. */
export async function discoverCameras(opts: DiscoverOptions = {}): Promise<DiscoveredDevice[]> {
  const timeoutMs = opts.timeoutMs ?? 4000;
  const rounds = Math.max(1, opts.rounds ?? 3);
  const port = opts.port ?? WSD_PORT;
  const unicastHosts = expandTargets(opts.unicast ?? []);
  const found = new Map<string, DiscoveredDevice>();
  // Any answer is network input: one that cannot be read is skipped, never the end of the search.
  const onMessage = (msg: Buffer, from: string) => {
    const parsed = parseDiscoveryMessage(msg.toString('utf8'), from);
    if (parsed?.type !== 'probe-match' && parsed?.type !== 'hello') return;
    for (const d of parsed.type === 'hello' ? [parsed.device] : parsed.devices) merge(found, plainDevice(d), opts.onDevice);
  };
  const sockets = await openSockets(opts.interfaces, onMessage);
  const timers: NodeJS.Timeout[] = [];
  try {
    for (let r = 0; r < rounds; r++) {
      const at = rounds === 1 ? 0 : Math.round((r * timeoutMs) / 2 / (rounds - 1));
      timers.push(setTimeout(() => sendRound(sockets, unicastHosts, port), at));
    }
    await sleep(timeoutMs, opts.signal);
  } finally {
    timers.forEach(clearTimeout);
    await Promise.all(sockets.map((s) => closeSocket(s.socket)));
  }
  return [...found.values()].sort((a, b) => (a.addresses[0] ?? '').localeCompare(b.addresses[0] ?? '', 'en', { numeric: true }));
}

function merge(found: Map<string, DiscoveredDevice>, d: DiscoveredDevice, onDevice: DiscoverOptions['onDevice']): void {
  const known = found.get(d.epr);
  if (!known) {
    found.set(d.epr, d);
    onDevice?.(d, found.size);
    return;
  }
  for (const a of d.addresses) if (!known.addresses.includes(a)) known.addresses.push(a);
  for (const x of d.xaddrs) if (!known.xaddrs.includes(x)) known.xaddrs.push(x);
}

interface ProbeSocket {
  socket: Socket;
  /** Local address for multicast, or undefined for the unicast socket. */
  multicastFrom?: string;
}

async function openSockets(interfaces: string[] | undefined, onMessage: (m: Buffer, from: string) => void): Promise<ProbeSocket[]> {
  const out: ProbeSocket[] = [];
  const bind = async (address: string | undefined): Promise<Socket> => {
    const s = createSocket({ type: 'udp4', reuseAddr: true });
    s.on('message', (m, rinfo) => onMessage(m, rinfo.address));
    s.on('error', () => undefined); // a send error on one interface must not end discovery
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.bind({ port: 0, address }, () => resolve());
    });
    return s;
  };
  for (const local of localIPv4(interfaces)) {
    try {
      const socket = await bind(local.address);
      socket.setMulticastInterface(local.address);
      socket.setMulticastTTL(1);
      out.push({ socket, multicastFrom: local.address });
    } catch {
      // An address that vanished between listing and binding (DHCP renew) is skipped.
    }
  }
  out.push({ socket: await bind(undefined) });
  return out;
}

function sendRound(sockets: ProbeSocket[], unicastHosts: string[], port: number): void {
  for (const s of sockets) {
    const targets = s.multicastFrom ? [WSD_ADDRESS] : unicastHosts;
    for (const host of targets) {
      // A fresh MessageID per Probe: devices suppress answers to a MessageID they have seen.
      const probe = Buffer.from(buildProbe().xml);
      s.socket.send(probe, port, host, () => undefined);
    }
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    });
  });
}

function closeSocket(s: Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      s.close(() => resolve());
    } catch {
      resolve();
    }
  });
}
