import { randomUUID } from 'node:crypto';
import { parseScopes, type ScopeInfo } from './scopes.js';
import { child, children, parseXml, text } from './xml.js';

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
  /** Device service URLs, in the device's order. */
  xaddrs: string[];
  scopes: string[];
  info: ScopeInfo;
  /** Source addresses the messages came from. */
  addresses: string[];
  /** Metadata version: increases when the device's XAddrs or scopes change. */
  metadataVersion?: number;
}

export type DiscoveryMessage =
  | { type: 'probe-match'; relatesTo: string; devices: DiscoveredDevice[] }
  | { type: 'hello'; device: DiscoveredDevice }
  | { type: 'bye'; epr: string };

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

/** Reads a datagram; undefined for anything that is not a ProbeMatches, Hello or Bye (or is not XML). */
export function parseDiscoveryMessage(xml: string, from: string): DiscoveryMessage | undefined {
  let doc;
  try {
    doc = parseXml(xml);
  } catch {
    return undefined;
  }
  const header = child(doc, 'Envelope', 'Header');
  const body = child(doc, 'Envelope', 'Body');
  const action = text(header, 'Action') ?? '';
  if (/ProbeMatches$/.test(action) || child(body, 'ProbeMatches')) {
    const matches = children(child(body, 'ProbeMatches'), 'ProbeMatch');
    const devices = matches.map((m) => deviceFrom(m, from)).filter((d): d is DiscoveredDevice => d !== undefined);
    return { type: 'probe-match', relatesTo: text(header, 'RelatesTo') ?? '', devices };
  }
  if (/Hello$/.test(action) || child(body, 'Hello')) {
    const device = deviceFrom(child(body, 'Hello'), from);
    return device ? { type: 'hello', device } : undefined;
  }
  if (/Bye$/.test(action) || child(body, 'Bye')) {
    const epr = text(child(body, 'Bye'), 'EndpointReference', 'Address');
    return epr ? { type: 'bye', epr } : undefined;
  }
  return undefined;
}

function deviceFrom(node: unknown, from: string): DiscoveredDevice | undefined {
  const epr = text(node, 'EndpointReference', 'Address');
  if (!epr) return undefined;
  const scopes = (text(node, 'Scopes') ?? '').split(/\s+/).filter(Boolean);
  const device: DiscoveredDevice = {
    epr,
    xaddrs: (text(node, 'XAddrs') ?? '').split(/\s+/).filter(Boolean),
    scopes,
    info: parseScopes(scopes),
    addresses: [from],
  };
  const version = Number(text(node, 'MetadataVersion'));
  if (Number.isFinite(version)) device.metadataVersion = version;
  return device;
}
