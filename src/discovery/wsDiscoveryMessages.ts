import { randomUUID } from 'node:crypto';
import { checkDeviceUrl, preferRoutable, type CheckedUrl } from './deviceUrl.js';
import { parseScopes, type ScopeInfo } from './scopes.js';
import { child, children, parseXml, text, XmlSyntaxError } from './xml.js';

// WS-Discovery (2005/04, the version ONVIF uses) messages: building Probe, reading ProbeMatches,
// Hello and Bye. Pure functions; the sockets live in wsDiscovery.ts.

export const WSD_ADDRESS = '239.255.255.250';
export const WSD_PORT = 3702;
const WSD_NS = 'http://schemas.xmlsoap.org/ws/2005/04/discovery';
const WSA_NS = 'http://schemas.xmlsoap.org/ws/2004/08/addressing';

/** A device as WS-Discovery describes it. */
export interface DiscoveredDevice {
  /** Endpoint reference (urn:uuid:...): stable across reboots and address changes. */
  epr: string;
  /** Device service URLs that parsed, routable ones first, otherwise in the device's order. */
  xaddrs: string[];
  scopes: string[];
  info: ScopeInfo;
  /** Source addresses the messages came from. */
  addresses: string[];
  /** Metadata version: increases when the device's XAddrs or scopes change. */
  metadataVersion?: number;
}

/** A device as read from a datagram: its XAddrs checked, and those that did not parse. */
export interface AnnouncedDevice extends DiscoveredDevice {
  /** The checked form of `xaddrs`, same order. */
  checked: CheckedUrl[];
  /** XAddrs the device sent that are not usable http(s) URLs, with the reason. */
  rejected: { raw: string; reason: string }[];
}

export type DiscoveryMessage =
  | { type: 'probe-match'; relatesTo: string; devices: AnnouncedDevice[] }
  | { type: 'hello'; device: AnnouncedDevice }
  | { type: 'bye'; epr: string };

/** Longest EPR kept; real ones are urn:uuid:… (45 characters). */
export const MAX_EPR_LENGTH = 256;

/** A Probe for ONVIF network video transmitters, with a fresh MessageID (returned for matching). */
export function buildProbe(messageId = `uuid:${randomUUID()}`): { messageId: string; xml: string } {
  const xml =
    '<?xml version="1.0" encoding="UTF-8"?>' +
    `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="${WSA_NS}" xmlns:d="${WSD_NS}" ` +
    'xmlns:dn="http://www.onvif.org/ver10/network/wsdl">' +
    `<s:Header><a:Action s:mustUnderstand="1">${WSD_NS}/Probe</a:Action>` +
    `<a:MessageID>${messageId}</a:MessageID>` +
    `<a:ReplyTo><a:Address>${WSA_NS}/role/anonymous</a:Address></a:ReplyTo>` +
    '<a:To s:mustUnderstand="1">urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To></s:Header>' +
    '<s:Body><d:Probe><d:Types>dn:NetworkVideoTransmitter</d:Types></d:Probe></s:Body></s:Envelope>';
  return { messageId, xml };
}

/** A datagram that is well-formed but not for us (a Probe from another client, a Resolve...). */
export type OtherDatagram = { type: 'other' };
/** A datagram that cannot be read: not XML, or a Hello/ProbeMatch without an endpoint reference. */
export type MalformedDatagram = { type: 'malformed'; reason: string };

/** Reads a datagram; undefined for anything that is not a ProbeMatches, Hello or Bye (or is not XML). */
export function parseDiscoveryMessage(xml: string, from: string): DiscoveryMessage | undefined {
  const m = readDiscoveryMessage(xml, from);
  return m.type === 'other' || m.type === 'malformed' ? undefined : m;
}

/** Reads a datagram and says why one is unusable. Never throws, whatever the input. */
export function readDiscoveryMessage(xml: string, from: string): DiscoveryMessage | OtherDatagram | MalformedDatagram {
  let doc;
  try {
    doc = parseXml(xml);
  } catch (err) {
    return { type: 'malformed', reason: err instanceof XmlSyntaxError ? err.message : 'not well-formed XML' };
  }
  const header = child(doc, 'Envelope', 'Header');
  const body = child(doc, 'Envelope', 'Body');
  const action = text(header, 'Action') ?? '';
  if (/ProbeMatches$/.test(action) || child(body, 'ProbeMatches')) {
    const matches = children(child(body, 'ProbeMatches'), 'ProbeMatch');
    const devices = matches.map((m) => deviceFrom(m, from)).filter((d): d is AnnouncedDevice => d !== undefined);
    return { type: 'probe-match', relatesTo: text(header, 'RelatesTo') ?? '', devices };
  }
  if (/Hello$/.test(action) || child(body, 'Hello')) {
    const device = deviceFrom(child(body, 'Hello'), from);
    return device ? { type: 'hello', device } : { type: 'malformed', reason: 'Hello without a usable endpoint reference' };
  }
  if (/Bye$/.test(action) || child(body, 'Bye')) {
    const epr = text(child(body, 'Bye'), 'EndpointReference', 'Address');
    return epr && epr.length <= MAX_EPR_LENGTH ? { type: 'bye', epr } : { type: 'malformed', reason: 'Bye without a usable endpoint reference' };
  }
  return { type: 'other' };
}

function deviceFrom(node: unknown, from: string): AnnouncedDevice | undefined {
  const epr = text(node, 'EndpointReference', 'Address');
  if (!epr || epr.length > MAX_EPR_LENGTH) return undefined;
  const scopes = (text(node, 'Scopes') ?? '').split(/\s+/).filter(Boolean);
  const good: CheckedUrl[] = [];
  const rejected: AnnouncedDevice['rejected'] = [];
  for (const raw of (text(node, 'XAddrs') ?? '').split(/\s+/).filter(Boolean)) {
    const c = checkDeviceUrl(raw);
    if (c.ok) good.push(c.url);
    else rejected.push({ raw, reason: c.reason });
  }
  const checked = preferRoutable(good);
  const device: AnnouncedDevice = {
    epr,
    xaddrs: checked.map((u) => u.href),
    scopes,
    info: parseScopes(scopes),
    addresses: [from],
    checked,
    rejected,
  };
  const version = Number(text(node, 'MetadataVersion'));
  if (Number.isSafeInteger(version) && version >= 0) device.metadataVersion = version;
  return device;
}

/** The plain DiscoveredDevice of an announcement (what `discover` reports and prints). */
export function plainDevice(d: AnnouncedDevice): DiscoveredDevice {
  const { checked: _checked, rejected: _rejected, ...plain } = d;
  return plain;
}
