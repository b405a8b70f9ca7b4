import { isIPv4, isIPv6 } from 'node:net';
import { redactUri } from '../errors.js';

// Addresses that come from the network (WS-Discovery XAddrs, GetServices XAddrs, pull-point
// addresses) are parsed here, once, into a checked form. Everything downstream takes a CheckedUrl
// and never calls `new URL` on network text, so a malformed address is a counted, named rejection
// at the edge instead of a TypeError three calls later.

/** Longer than any real device address; bounds what a log line or a map key can hold. */
export const MAX_ADDRESS_LENGTH = 2048;

/** An http(s) URL that parsed, with a host, without credentials. */
export interface CheckedUrl {
  /** Normalised URL text (WHATWG serialisation). */
  href: string;
  /** scheme://host[:port] */
  origin: string;
  /** Host name or IP address; IPv6 without brackets. */
  hostname: string;
  /** Port number, the scheme's default when the URL names none. */
  port: number;
  /** Path and query, e.g. /onvif/device_service or /onvif/pull?id=3. */
  pathAndQuery: string;
  /** 169.254.0.0/16 or fe80::/10: reachable only on the camera's own link. */
  linkLocal: boolean;
}

export type UrlCheck = { ok: true; url: CheckedUrl } | { ok: false; reason: string };

/**
 * Checks an address a device sent. Accepts only http and https with a host; refuses embedded
 * credentials (a device has no business sending them, and they must not reach a log). Never throws.
 */
export function checkDeviceUrl(raw: unknown): UrlCheck {
  if (typeof raw !== 'string') return { ok: false, reason: 'not text' };
  const text = raw.trim();
  if (text.length === 0) return { ok: false, reason: 'empty' };
  if (text.length > MAX_ADDRESS_LENGTH) return { ok: false, reason: `longer than ${MAX_ADDRESS_LENGTH} characters` };
  if (!URL.canParse(text)) return { ok: false, reason: 'not a URL' };
  const url = new URL(text);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, reason: `scheme ${url.protocol.slice(0, 16)} is not http or https` };
  if (!url.hostname) return { ok: false, reason: 'no host' };
  if (url.username || url.password) return { ok: false, reason: 'carries credentials' };
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return {
    ok: true,
    url: {
      href: url.href,
      origin: url.origin,
      hostname,
      port: url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80,
      pathAndQuery: url.pathname + url.search,
      linkLocal: isLinkLocal(hostname),
    },
  };
}

/** 169.254.0.0/16 (IPv4 autoconfiguration) and fe80::/10 (IPv6 link-local). */
export function isLinkLocal(host: string): boolean {
  if (isIPv4(host)) return host.startsWith('169.254.');
  if (isIPv6(host)) return /^fe[89ab][0-9a-f]:/i.test(host);
  return false;
}

/**
 * Device addresses in the device's order, routable ones first: a camera that lists its
 * link-local address first is still reached (and shown) at the address the gateway can route to.
 */
export function preferRoutable(urls: CheckedUrl[]): CheckedUrl[] {
  return [...urls.filter((u) => !u.linkLocal), ...urls.filter((u) => u.linkLocal)];
}

/**
 * Network text for a log line or an error message: bounded, one line, printable. The value is
 * quoted by the caller; this only keeps a hostile datagram from forging log lines or flooding them.
 */
export function shownText(raw: unknown, max = 120): string {
  const s = typeof raw === 'string' ? raw : String(raw);
  // Whatever a sender wrote may hold a URI with credentials (its own or a replayed camera's).
  // eslint-disable-next-line no-control-regex
  const clean = redactUri(s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?'));
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}
