import { readFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';

// A plain TCP relay standing for the line between a commune broker and its city broker. TLS passes
// through it untouched (the bridge still checks the city's certificate), so cutting it is what a
// cut line does to the bridge: live connections die and new ones are refused until it is restored.
//
// While the city broker itself is down the relay refuses connections too, as the city's host would:
// a relay that accepted and then closed at once would show the bridge a failure a direct line never
// gives it, and Mosquitto 2.0.11's bridge stops retrying after a TLS handshake cut short that way
// (config/mosquitto/README.md, "Known problems").

const PROBE_MS = 200;
/** First probe after the city's end went away: by then a killed broker's listening socket is gone too. */
const FIRST_PROBE_MS = 1000;

export class LinkProxy {
  private server: Server | undefined;
  private readonly pairs = new Set<Socket>();
  private cutByHand = false;
  private probing: NodeJS.Timeout | undefined;
  port = 0;

  constructor(private readonly targetPort: number) {}

  /**
   * Listens on a free loopback port below the ephemeral range; returns it. While the line is cut
   * the port is closed, and an ephemeral one could meanwhile become some outgoing connection's.
   */
  async start(): Promise<number> {
    const below = ephemeralStart();
    for (let tries = 0; ; tries++) {
      this.port = below - 12_000 + Math.floor(Math.random() * 12_000);
      try {
        return await this.listen().then(() => this.port);
      } catch (err) {
        if (tries >= 50) throw err;
      }
    }
  }

  /** Drops every connection and refuses new ones (the port is closed) until restore(). */
  async cut(): Promise<void> {
    this.cutByHand = true;
    clearTimeout(this.probing);
    await this.close();
  }

  /** Listens again on the same port. */
  restore(): Promise<void> {
    this.cutByHand = false;
    return this.listen();
  }

  stop(): Promise<void> {
    return this.cut();
  }

  private async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    // Stop listening first, so that the bridge's immediate reconnect is refused.
    const closed = server ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
    for (const s of this.pairs) s.destroy();
    this.pairs.clear();
    await closed;
  }

  private listen(): Promise<void> {
    if (this.server || this.cutByHand) return Promise.resolve();
    const server = createServer((down) => this.relay(down));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', (err) => {
        if (this.server === server) this.server = undefined;
        reject(err);
      });
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
  }

  private relay(down: Socket): void {
    const up = connect(this.targetPort, '127.0.0.1');
    let downClosed = false;
    for (const s of [down, up]) {
      this.pairs.add(s);
      s.setNoDelay(true);
      s.on('error', () => undefined);
    }
    down.on('close', () => {
      downClosed = true;
      this.pairs.delete(down);
      up.destroy();
    });
    up.on('close', () => {
      this.pairs.delete(up);
      // The city's end went away (or never answered): stop listening before the bridge sees the
      // close, so that it is refused, as by the city's host, until the city listens again.
      if (!downClosed && !this.cutByHand && this.server) void this.close().then(() => this.retryProbe(FIRST_PROBE_MS));
      down.destroy();
    });
    down.pipe(up);
    up.pipe(down);
  }

  /** Probes the city broker's port until it accepts, then listens again. */
  private followTarget(): void {
    if (this.cutByHand || this.server) return;
    const probe = connect(this.targetPort, '127.0.0.1');
    probe.on('error', () => undefined);
    probe.once('connect', () => {
      probe.destroy();
      if (!this.cutByHand) void this.listen().catch(() => this.retryProbe());
    });
    probe.once('close', (hadError) => {
      if (hadError) this.retryProbe();
    });
  }

  private retryProbe(ms = PROBE_MS): void {
    clearTimeout(this.probing);
    this.probing = setTimeout(() => this.followTarget(), ms);
  }
}

/** The first port the kernel hands out for outgoing connections (Linux), 32768 if unknown. */
function ephemeralStart(): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || 32_768;
  } catch {
    return 32_768;
  }
}
