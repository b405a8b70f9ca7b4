import { accessSync, constants } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { CameraConfig } from '../../config/cameraSchema.js';
import { digestAuthorization, parseDigestChallenge } from '../../discovery/httpDigest.js';
import { redactUri } from '../../errors.js';
import { row, type Check, type CheckRow } from './check.js';

// Each enabled camera answers RTSP DESCRIBE. The first request carries no credentials. When the
// camera asks for them, they are sent only as a digest (the password itself never crosses the
// network); a camera that offers only Basic is reported as answering, credentials unchecked.

export function rtspCheck(cameras: CameraConfig[], timeoutMs = 5000): Check {
  return {
    name: 'cameras',
    timeoutMs: timeoutMs + 1000,
    run: (signal) => Promise.all(cameras.filter((c) => c.enabled).map((c) => cameraRow(c, timeoutMs, signal))),
  };
}

async function cameraRow(cam: CameraConfig, timeoutMs: number, signal: AbortSignal): Promise<CheckRow> {
  const name = `camera ${cam.id}`;
  if (cam.source.startsWith('file://')) {
    const path = fileURLToPath(cam.source);
    try {
      accessSync(path, constants.R_OK);
      return row(name, 'pass', `file ${path} readable`);
    } catch (err) {
      return row(name, 'fail', `file ${path}: ${(err as NodeJS.ErrnoException).code}`, 'check the path in cameras[].source and that this user may read it');
    }
  }
  let url: URL;
  try {
    url = new URL(cam.source);
  } catch {
    return row(name, 'fail', `${redactUri(cam.source)} is not a URL`, 'fix cameras[].source');
  }
  if (!/^rtsps?:$/.test(url.protocol)) return row(name, 'skip', `${url.protocol} source not checked`);
  const user = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  url.username = '';
  url.password = '';
  const shown = url.href;
  try {
    return await describe(name, shown, user ? { user, password } : undefined, timeoutMs, signal);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    return row(name, 'fail', `${shown}: ${code}`, 'check the camera is powered, its address and RTSP port, and the cabling (camera probe)');
  }
}

interface RtspReply {
  status: number;
  reason: string;
  challenges: string[];
}

async function describe(name: string, uri: string, creds: { user: string; password: string } | undefined, timeoutMs: number, signal: AbortSignal): Promise<CheckRow> {
  const u = new URL(uri);
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const port = Number(u.port || 554);
  let session = await open(host, port, timeoutMs, signal);
  try {
    const first = await session.request(`DESCRIBE ${uri} RTSP/1.0\r\nCSeq: 1\r\nAccept: application/sdp\r\nUser-Agent: edge-agent-doctor\r\n\r\n`);
    if (first.status === 200) return row(name, 'pass', `${uri} answers DESCRIBE (200)${creds ? ', no login needed' : ''}`);
    if (first.status !== 401) return refused(name, uri, first);
    if (!creds) return row(name, 'fail', `${uri} asks for a login (401) and the source has none`, 'put user:${PASSWORD} in cameras[].source (camera add does this)');
    const challenge = first.challenges.map(parseDigestChallenge).find((c) => c !== undefined);
    if (!challenge) {
      return row(name, 'warn', `${uri} answers (401, Basic login only); credentials not checked, to keep the password off the network`, 'prefer digest authentication in the camera settings');
    }
    const auth = digestAuthorization(challenge, { method: 'DESCRIBE', uri, user: creds.user, password: creds.password });
    // Some cameras close the connection after a 401: the answer then goes on a new one.
    const retry = `DESCRIBE ${uri} RTSP/1.0\r\nCSeq: 2\r\nAccept: application/sdp\r\nUser-Agent: edge-agent-doctor\r\nAuthorization: ${auth}\r\n\r\n`;
    let second: RtspReply;
    try {
      if (session.closed()) throw closedError();
      second = await session.request(retry);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== CLOSED && !['EPIPE', 'ECONNRESET'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err;
      session.close();
      session = await open(host, port, timeoutMs, signal);
      second = await session.request(retry);
    }
    if (second.status === 200) return row(name, 'pass', `${uri} answers DESCRIBE (200), digest login as ${creds.user} accepted`);
    if (second.status === 401) return row(name, 'fail', `${uri} refused the login of ${creds.user} (401)`, 'check the user in cameras[].source and the password in the secrets file');
    return refused(name, uri, second);
  } finally {
    session.close();
  }
}

function refused(name: string, uri: string, r: RtspReply): CheckRow {
  const remedy = r.status === 404 ? 'the stream path is wrong: run camera probe and use the URI it lists' : 'check the camera\'s RTSP settings';
  return row(name, 'fail', `${uri} answers ${r.status} ${r.reason}`, remedy);
}

const CLOSED = 'connection closed without an answer';
const closedError = () => Object.assign(new Error('closed'), { code: CLOSED });

interface Session {
  request(text: string): Promise<RtspReply>;
  /** True once the camera has closed the connection. */
  closed(): boolean;
  close(): void;
}

function open(host: string, port: number, timeoutMs: number, signal: AbortSignal): Promise<Session> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect({ host, port, timeout: timeoutMs });
    let buffer = '';
    let waiting: { resolve: (r: RtspReply) => void; reject: (e: Error) => void } | undefined;
    // Until connected the failure goes to open(); afterwards to the request waiting for its answer.
    const fail = (err: Error) => {
      socket.destroy();
      reject(err);
      waiting?.reject(err);
      waiting = undefined;
    };
    let ended = false;
    socket.once('end', () => (ended = true));
    socket.once('connect', () => resolve({ request, closed: () => ended || socket.destroyed || !socket.writable, close: () => socket.destroy() }));
    socket.once('timeout', () => fail(Object.assign(new Error('no answer'), { code: `no answer within ${timeoutMs / 1000} s` })));
    socket.once('error', fail);
    socket.once('close', () => fail(closedError()));
    signal.addEventListener('abort', () => socket.destroy(), { once: true });
    socket.on('data', (d: Buffer) => {
      buffer += d.toString('latin1');
      const end = buffer.indexOf('\r\n\r\n');
      if (end < 0 || !waiting) return;
      const head = buffer.slice(0, end);
      const length = Number(/^content-length:\s*(\d+)/im.exec(head)?.[1] ?? 0);
      if (buffer.length < end + 4 + length) return;
      buffer = buffer.slice(end + 4 + length);
      const w = waiting;
      waiting = undefined;
      w.resolve(parseReply(head));
    });
    function request(text: string): Promise<RtspReply> {
      return new Promise((res, rej) => {
        if (!socket.writable) return rej(closedError());
        waiting = { resolve: res, reject: rej };
        socket.write(text);
      });
    }
  });
}

function parseReply(head: string): RtspReply {
  const m = /^RTSP\/1\.\d (\d{3}) ?(.*)$/m.exec(head);
  const challenges = [...head.matchAll(/^www-authenticate:\s*(.+)$/gim)].map((x) => x[1]!.trim());
  return { status: m ? Number(m[1]) : 0, reason: m?.[2]?.trim() ?? 'not an RTSP answer', challenges };
}
