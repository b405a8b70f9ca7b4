import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { render } from './templates.js';

// Servers that are not a healthy camera, for the probe's failure messages.

export type BadKind = 'html' | 'malformed' | 'truncated' | 'cut-connection' | 'silent';

export interface BadServer {
  url: string;
  stop(): Promise<void>;
}

/** Starts one kind of broken server on a free loopback port. */
export async function startBadServer(kind: BadKind): Promise<BadServer> {
  const sockets = new Set<Socket>();
  const server: Server | TcpServer =
    kind === 'silent'
      ? createTcpServer(() => undefined) // accepts the connection, never says a word: a hung device
      : createServer((_req, res) => reply(kind, res));
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/onvif/device_service`,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function reply(kind: BadKind, res: import('node:http').ServerResponse): void {
  const good = render('hik', 'GetSystemDateAndTime', { year: 2024, month: 1, day: 1, hour: 0, minute: 0, second: 0 });
  if (kind === 'html') {
    const page = '<!DOCTYPE html><html><head><title>Router login</title></head><body>Please log in</body></html>';
    res.writeHead(404, { 'Content-Type': 'text/html', 'Content-Length': Buffer.byteLength(page) }).end(page);
  } else if (kind === 'malformed') {
    const bad = good.replace('</tt:Hour>', '</tt:Hours>');
    res.writeHead(200, { 'Content-Type': 'application/soap+xml', 'Content-Length': Buffer.byteLength(bad) }).end(bad);
  } else if (kind === 'truncated') {
    const cut = good.slice(0, Math.floor(good.length * 0.6));
    res.writeHead(200, { 'Content-Type': 'application/soap+xml', 'Content-Length': Buffer.byteLength(cut) }).end(cut);
  } else {
    // Announces the full length, sends part, then drops the connection.
    res.writeHead(200, { 'Content-Type': 'application/soap+xml', 'Content-Length': Buffer.byteLength(good) });
    res.write(good.slice(0, 200), () => res.socket?.destroy());
  }
}
