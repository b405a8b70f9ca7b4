import { createServer, connect, type Server, type Socket } from 'node:net';
import { freePort } from '../../test/helpers/ports.js';

// A plain TCP relay standing for the line between a commune broker and its city broker. TLS passes
// through it untouched (the bridge still checks the city's certificate), so cutting it is what a
// cut line does to the bridge: live connections die and new ones are refused until it is restored.

export class LinkProxy {
  private server: Server | undefined;
  private readonly pairs = new Set<Socket>();
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
    const server = this.server;
    this.server = undefined;
    for (const s of this.pairs) s.destroy();
    this.pairs.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Listens again on the same port. */
  restore(): Promise<void> {
    return this.listen();
  }

  stop(): Promise<void> {
    return this.cut();
  }

  private listen(): Promise<void> {
    if (this.server) return Promise.resolve();
    const server = createServer((down) => this.relay(down));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
  }

  private relay(down: Socket): void {
    const up = connect(this.targetPort, '127.0.0.1');
    for (const s of [down, up]) {
      this.pairs.add(s);
      s.setNoDelay(true);
      // Either side failing ends both, as a broken line would.
      s.on('error', () => undefined);
      s.on('close', () => {
        this.pairs.delete(s);
        down.destroy();
        up.destroy();
      });
    }
    down.pipe(up);
    up.pipe(down);
  }
}
