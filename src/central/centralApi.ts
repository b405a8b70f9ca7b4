import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AlertQuery, CentralStore } from './centralStore.js';
import type { OpenGap } from './gapFollower.js';
import type { GatewayBook } from './gatewayBook.js';
import { alertsPage } from './centralPage.js';

// The read-only HTTP API (node:http, no framework): GET only, query parameters checked, errors as
// {error}. Bind it to loopback and put a reverse proxy with authentication in front for anything else.

const ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const MAX_LIMIT = 1000;

export class CentralApi {
  private server: Server | undefined;

  constructor(
    private readonly store: CentralStore,
    private readonly book: GatewayBook,
    private readonly figures: () => Record<string, unknown>,
    private readonly openGaps: (gateway: string) => OpenGap[],
  ) {}

  /** `http://address:port` once listening. */
  get address(): string | undefined {
    const a = this.server?.address() as AddressInfo | null | undefined;
    return a ? `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}` : undefined;
  }

  listen(address: string, port: number): Promise<void> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch(() => send(res, 500, { error: 'the store could not answer; see the log' }));
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, address, () => resolve());
    });
  }

  close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return Promise.resolve();
    server.closeAllConnections();
    return new Promise((resolve) => server.close(() => resolve()));
  }

  /** What /api/gateways answers: every gateway the store or the liveness messages know. */
  async gateways(): Promise<Record<string, unknown>[]> {
    const rows = new Map((await this.store.gateways()).map((r) => [r.id, r]));
    const ids = new Set([...rows.keys(), ...this.book.all().keys()]);
    return [...ids].sort().map((id) => {
      const r = rows.get(id);
      const s = this.book.get(id);
      return {
        id,
        base: r?.base ?? s?.base,
        state: s ? (s.online ? 'online' : 'offline') : 'unknown',
        state_since_ts: s?.sinceTs ?? null,
        boot: Math.max(r?.boot ?? 0, s?.boot ?? 0),
        cameras: s?.cameras ?? {},
        last_seen_ts: r?.lastSeenTs ?? null,
        last_seq: r?.lastSeq ?? null,
        lag_ms: r?.lagMs ?? null,
        open_gaps: this.openGaps(id).map((g) => ({ boot: g.boot, from: g.from, to: g.to, asked: g.attempts })),
      };
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, { error: 'read-only: GET only' });
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/api/gateways') return send(res, 200, { gateways: await this.gateways() });
    if (url.pathname === '/api/status') return send(res, 200, this.figures());
    if (url.pathname === '/api/alerts' || url.pathname === '/') {
      const q = alertQuery(url.searchParams);
      if (typeof q === 'string') return send(res, 400, { error: q });
      const alerts = (await this.store.alerts(q)).map((a) => ({ ...a, body: JSON.parse(a.body) as unknown }));
      if (url.pathname === '/api/alerts') return send(res, 200, { alerts });
      const page = alertsPage(await this.gateways(), alerts, q);
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'", 'x-content-type-options': 'nosniff' });
      res.end(page);
      return;
    }
    send(res, 404, { error: 'not found; try /api/gateways, /api/alerts or /' });
  }
}

function alertQuery(p: URLSearchParams): AlertQuery | string {
  const commune = p.get('commune') ?? undefined;
  const gateway = p.get('gateway') ?? undefined;
  const limitText = p.get('limit') ?? '100';
  const limit = /^\d{1,4}$/.test(limitText) ? Number(limitText) : NaN;
  if (!(limit >= 1 && limit <= MAX_LIMIT)) return `limit: a whole number from 1 to ${MAX_LIMIT}`;
  if (commune !== undefined && !ID.test(commune)) return 'commune: letters, digits, "_", "-", "." (at most 64)';
  if (gateway !== undefined && !ID.test(gateway)) return 'gateway: letters, digits, "_", "-", "." (at most 64)';
  return { limit, ...(commune !== undefined ? { commune } : {}), ...(gateway !== undefined ? { gateway } : {}) };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'x-content-type-options': 'nosniff' });
  res.end(JSON.stringify(body));
}
