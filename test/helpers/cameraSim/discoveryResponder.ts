import { createSocket, type Socket } from 'node:dgram';
import { randomUUID } from 'node:crypto';
import { child, parseXml, text } from '../../../src/discovery/xml.js';
import { render } from './templates.js';

// The camera side of WS-Discovery: answers Probes (multicast and unicast) and announces itself
// with Hello on start and Bye on stop, as cameras do on boot, address change and shutdown.

export interface ResponderOptions {
  epr: string;
  scopes: string[];
  xaddr: () => string;
  /** UDP port to listen on and to send Hello/Bye to; 3702 except in tests. */
  port: number;
  /** Interface address to join the multicast group on and send Hello/Bye from; none: unicast only. */
  multicastInterface?: string;
  /** Ignore this many Probes first (lost datagrams). */
  dropProbes: number;
  /** Told about every Probe received. */
  onProbe?: (result: 'answered' | 'dropped', from: string) => void;
}

export class DiscoveryResponder {
  private socket: Socket | undefined;
  private dropsLeft: number;
  private readonly instanceId = Math.floor(Date.now() / 1000);
  /** Probes answered and dropped (for tests). */
  answered = 0;
  dropped = 0;

  constructor(private readonly opts: ResponderOptions) {
    this.dropsLeft = opts.dropProbes;
  }

  async start(): Promise<void> {
    const s = createSocket({ type: 'udp4', reuseAddr: true });
    s.on('message', (m, rinfo) => this.onProbe(m.toString('utf8'), rinfo.address, rinfo.port));
    s.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.bind(this.opts.port, () => resolve());
    });
    if (this.opts.multicastInterface) {
      s.addMembership('239.255.255.250', this.opts.multicastInterface);
      s.setMulticastInterface(this.opts.multicastInterface);
      s.setMulticastLoopback(true);
    }
    this.socket = s;
    await this.announce('Hello');
  }

  async stop(): Promise<void> {
    const s = this.socket;
    if (!s) return;
    await this.announce('Bye');
    this.socket = undefined;
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  private vars(): Record<string, string | number> {
    return {
      messageId: randomUUID(),
      instanceId: this.instanceId,
      epr: this.opts.epr,
      scopes: this.opts.scopes.join(' '),
      xaddr: this.opts.xaddr(),
      metadataVersion: 1,
    };
  }

  private async announce(kind: 'Hello' | 'Bye'): Promise<void> {
    if (!this.socket || !this.opts.multicastInterface) return;
    const msg = Buffer.from(render('common', kind, this.vars()));
    await new Promise<void>((resolve) => this.socket!.send(msg, this.opts.port, '239.255.255.250', () => resolve()));
  }

  private onProbe(xml: string, host: string, port: number): void {
    let doc;
    try {
      doc = parseXml(xml);
    } catch {
      return;
    }
    const probe = child(doc, 'Envelope', 'Body', 'Probe');
    if (probe === undefined) return;
    const types = text(probe, 'Types') ?? '';
    if (types && !/NetworkVideoTransmitter|Device/.test(types)) return;
    if (this.dropsLeft > 0) {
      this.dropsLeft--;
      this.dropped++;
      this.opts.onProbe?.('dropped', host);
      return;
    }
    const relatesTo = text(doc, 'Envelope', 'Header', 'MessageID') ?? '';
    const reply = Buffer.from(render('common', 'ProbeMatches', { ...this.vars(), relatesTo }));
    this.answered++;
    this.opts.onProbe?.('answered', host);
    this.socket?.send(reply, port, host);
  }
}
