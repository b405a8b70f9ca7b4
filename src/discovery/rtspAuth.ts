import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { redactUri } from '../errors.js';
import { shownText } from './deviceUrl.js';

// Which authentication an RTSP server asks for, found out without credentials: one DESCRIBE, read
// the status and the WWW-Authenticate challenges, hang up. The frame path calls it before it hands
// a camera's password to GStreamer, because rtspsrc answers a Basic-only challenge with the
// password in clear text (base64), and anyone on the segment can run a server that asks for Basic.

export interface RtspAuthOptions {
  /** Whether a camera that offers only Basic may get the password (config `rtsp_auth: basic`). */
  allowBasic: boolean;
  /** For the whole exchange: connect, send, read the reply head. */
  timeoutMs: number;
}

export type RtspAuthCheck = { ok: true } | { ok: false; reason: string };

/** The reply head is read up to here; a status line and a few headers need far less. */
export const MAX_RTSP_REPLY_BYTES = 16 * 1024;

/** What a DESCRIBE without credentials learned: the status and the offered schemes. */
export interface RtspChallenge {
  status: number;
  /** Auth schemes offered, lower case ('digest', 'basic', ...), in the server's order. */
  schemes: string[];
}

/**
 * Whether the camera at `uri` may be given credentials: yes when it needs none (2xx) or offers
 * Digest; with only Basic, yes only if `allowBasic`. Credentials in `uri` are never sent. Never
 * rejects: an unreachable server, a timeout or an unreadable reply is { ok: false, reason }.
 */
export async function checkRtspAuth(uri: string, opts: RtspAuthOptions): Promise<RtspAuthCheck> {
  const target = rtspTarget(uri);
  if ('reason' in target) return { ok: false, reason: target.reason };
  const shown = redactUri(target.plain);
  let reply: RtspChallenge | undefined;
  try {
    reply = parseRtspChallenge(await describe(target, opts.timeoutMs));
  } catch (err) {
    return { ok: false, reason: `${shown}: ${shownText(err instanceof Error ? err.message : String(err), 200)}` };
  }
  if (!reply) return { ok: false, reason: `${shown} did not answer like an RTSP server` };
  return decide(reply, shown, opts.allowBasic);
}

/**
 * The status and challenges of a DESCRIBE without credentials (for diagnostics and tests).
 * Rejects with an Error naming the problem when the server cannot be reached or does not answer RTSP.
 */
export async function readRtspChallenge(uri: string, timeoutMs: number): Promise<RtspChallenge> {
  const target = rtspTarget(uri);
  if ('reason' in target) throw new Error(target.reason);
  const reply = parseRtspChallenge(await describe(target, timeoutMs));
  if (!reply) throw new Error(`${redactUri(target.plain)} did not answer like an RTSP server`);
  return reply;
}

function decide(reply: RtspChallenge, shown: string, allowBasic: boolean): RtspAuthCheck {
  const { status, schemes } = reply;
  if (status >= 200 && status < 300) return { ok: true };
  if (status >= 300 && status < 400) return { ok: false, reason: `${shown} redirects elsewhere (RTSP ${status}); credentials are not sent to a redirect` };
  if (status !== 401) return { ok: false, reason: `${shown} answered RTSP ${status} to DESCRIBE` };
  if (schemes.includes('digest')) return { ok: true };
  if (schemes.includes('basic')) {
    if (allowBasic) return { ok: true };
    return {
      ok: false,
      reason:
        `${shown} offers only Basic authentication, which sends the password in clear text; enable digest ` +
        'authentication on the camera, or set rtsp_auth: basic for this camera to accept that',
    };
  }
  return { ok: false, reason: `${shown} asks for authentication without offering Digest or Basic` };
}

/** Reads a reply head: status line and every WWW-Authenticate challenge. undefined if not RTSP. */
export function parseRtspChallenge(head: string): RtspChallenge | undefined {
  const lines = head.split(/\r?\n/);
  const status = /^RTSP\/\d\.\d\s+(\d{3})\b/.exec(lines[0] ?? '');
  if (!status) return undefined;
  const schemes: string[] = [];
  for (const line of lines.slice(1)) {
    const h = /^www-authenticate\s*:\s*(.*)$/i.exec(line);
    if (!h) continue;
    // One header may carry several challenges: "Digest realm=..., nonce=..., Basic realm=...".
    for (const m of h[1]!.matchAll(/(?:^|,)\s*([A-Za-z][\w-]*)(?=\s+[\w-]+\s*=|\s*$|\s*,)/g)) {
      const scheme = m[1]!.toLowerCase();
      if (!schemes.includes(scheme)) schemes.push(scheme);
    }
  }
  return { status: Number(status[1]), schemes };
}

interface RtspTarget {
  plain: string;
  host: string;
  port: number;
  tls: boolean;
}

function rtspTarget(uri: string): RtspTarget | { reason: string } {
  if (!URL.canParse(uri)) return { reason: 'the stream URI does not parse' };
  const url = new URL(uri);
  if (url.protocol !== 'rtsp:' && url.protocol !== 'rtsps:') return { reason: `${redactUri(uri)} is not an rtsp:// or rtsps:// URI` };
  url.username = '';
  url.password = '';
  const tls = url.protocol === 'rtsps:';
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!host) return { reason: 'the stream URI has no host' };
  return { plain: url.href, host, port: url.port ? Number(url.port) : tls ? 322 : 554, tls };
}

/** Sends DESCRIBE (no credentials) and resolves with the reply head; rejects on error or timeout. */
function describe(t: RtspTarget, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    // Certificates are not checked here because nothing secret is sent on this connection.
    const socket: Socket = t.tls ? connectTls({ host: t.host, port: t.port, rejectUnauthorized: false }) : connectTcp({ host: t.host, port: t.port });
    let buf = '';
    let settled = false;
    const finish = (err: Error | undefined, head?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(head ?? '');
    };
    const timer = setTimeout(() => finish(new Error(`no RTSP reply within ${timeoutMs} ms`)), timeoutMs);
    socket.setEncoding('latin1');
    socket.on(t.tls ? 'secureConnect' : 'connect', () => {
      socket.write(`DESCRIBE ${t.plain} RTSP/1.0\r\nCSeq: 1\r\nUser-Agent: edge-agent\r\nAccept: application/sdp\r\n\r\n`);
    });
    socket.on('data', (d: string) => {
      buf += d;
      const end = buf.indexOf('\r\n\r\n');
      if (end >= 0) finish(undefined, buf.slice(0, end));
      else if (buf.length > MAX_RTSP_REPLY_BYTES) finish(new Error(`reply head longer than ${MAX_RTSP_REPLY_BYTES} bytes`));
    });
    socket.on('error', (err: NodeJS.ErrnoException) => finish(new Error(`cannot reach ${t.host}:${t.port} (${err.code ?? err.message})`)));
    socket.on('close', () => finish(undefined, buf));
  });
}
