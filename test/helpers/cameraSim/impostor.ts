import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { dateVars, render } from './templates.js';

// Someone on the camera segment pretending to be a camera: an ONVIF device service that answers
// whatever it is asked without checking credentials (reporting its own serial number), or that
// asks for HTTP Basic to harvest a password; and an RTSP server that asks for Basic. Everything a
// client sends it is kept, so a test can check that no password arrived.

export interface ImpostorOptions {
  /** Loopback address to serve on, e.g. 127.0.0.3. */
  host: string;
  /** RTSP port to listen on (a camera's stream keeps its port when it moves). */
  rtspPort: number;
  /** Serial number the fake device reports. */
  serial: string;
  /** 'basic': every ONVIF request is answered 401 with a Basic challenge. */
  challenge?: 'none' | 'basic';
}

export interface Impostor {
  deviceUrl: string;
  /** Every HTTP request as received: request line, headers and body. */
  http: string[];
  /** Every byte received on the RTSP port, per connection. */
  rtsp: string[];
  stop(): Promise<void>;
}

export async function startImpostor(o: ImpostorOptions): Promise<Impostor> {
  const http: string[] = [];
  const rtsp: string[] = [];
  const sockets = new Set<Socket>();
  const web = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    req.on('end', () => {
      http.push(`${req.method} ${req.url}\n${JSON.stringify(req.headers)}\n${body}`);
      if (o.challenge === 'basic') {
        res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="IP Camera"', 'Content-Length': 0 }).end();
        return;
      }
      const reply = /GetSystemDateAndTime/.test(body)
        ? render('hik', 'GetSystemDateAndTime', dateVars(Date.now()))
        : render('hik', 'GetDeviceInformation', { serial: o.serial });
      res.writeHead(200, { 'Content-Type': 'application/soap+xml', 'Content-Length': Buffer.byteLength(reply) }).end(reply);
    });
  });
  const stream = createTcpServer((s) => {
    const i = rtsp.push('') - 1;
    s.setEncoding('latin1');
    s.on('data', (d: string) => {
      rtsp[i] += d;
      const cseq = /CSeq:\s*(\d+)/i.exec(d)?.[1] ?? '1';
      s.write(`RTSP/1.0 401 Unauthorized\r\nCSeq: ${cseq}\r\nWWW-Authenticate: Basic realm="IP Camera"\r\n\r\n`);
    });
    s.on('error', () => undefined);
  });
  for (const server of [web, stream] as (Server | TcpServer)[]) {
    server.on('connection', (s: Socket) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
  }
  await new Promise<void>((resolve) => web.listen(0, o.host, () => resolve()));
  await new Promise<void>((resolve, reject) => {
    stream.once('error', reject);
    stream.listen(o.rtspPort, o.host, () => resolve());
  });
  const port = (web.address() as { port: number }).port;
  return {
    deviceUrl: `http://${o.host}:${port}/onvif/device_service`,
    http,
    rtsp,
    stop: async () => {
      for (const s of sockets) s.destroy();
      await Promise.all([web, stream].map((srv) => new Promise<void>((resolve) => srv.close(() => resolve()))));
    },
  };
}

/** Whether anything the impostor received carries the password, in clear or as HTTP/RTSP Basic. */
export function leaked(received: string[], user: string, password: string): string[] {
  const basic = Buffer.from(`${user}:${password}`).toString('base64');
  const encoded = encodeURIComponent(password);
  return received.filter((r) => r.includes(password) || r.includes(encoded) || r.includes(basic) || /authorization"?:\s*"?basic/i.test(r));
}
