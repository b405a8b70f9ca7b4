import { createServer, connect, type Server, type Socket } from 'node:net';
import { freePort } from '../../test/helpers/ports.js';

// A plain TCP relay standing for the line between a commune broker and its city broker. TLS passes
// through it untouched (the bridge still checks the city's certificate), so cutting it is what a
// cut line does to the bridge: live connections die and new ones are refused until it is restored.
//
// While the city broker itself is down the relay refuses connections too, as the city's host would:
// a relay that accepted and then closed at once would show the bridge a failure a direct line never
// gives it, and Mosquitto 2.0.11's bridge stops retrying after a TLS handshake cut short that way
// (config/mosquitto/README.md, "Known problems").

const PROBE_MS = 200;

export class LinkProxy {
  private server: Server | undefined;
  private readonly pairs = new Set<Socket>();
  private cutByHand = false;
  private probing: NodeJS.Timeout | undefined;
  port = 0;

  constructor(private readonly targetPort: number) {}

  /** Listens on a free loopback port; returns it. */
  async start(): Promise<number> {
    this.port = await freePort();
    await this.listen();
    return this.port;
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
      server.once('error', reject);
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
      if (!downClosed && !this.cutByHand && this.server) void this.close().then(() => this.followTarget());
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

  private retryProbe(): void {
    clearTimeout(this.probing);
    this.probing = setTimeout(() => this.followTarget(), PROBE_MS);
  }
}
