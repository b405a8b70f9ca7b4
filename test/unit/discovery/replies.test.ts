import { describe, expect, it } from 'vitest';
import { readCameraEvents } from '../../../src/discovery/eventMessages.js';
import {
  readCapabilities,
  readDeviceInformation,
  readMedia2Profiles,
  readMediaProfiles,
  readServices,
  readSystemDateTime,
  readUri,
} from '../../../src/discovery/onvifReplies.js';
import { chooseProfiles } from '../../../src/discovery/profileChoice.js';
import { buildProbe, parseDiscoveryMessage } from '../../../src/discovery/wsDiscoveryMessages.js';
import { child, parseXml, XmlSyntaxError, type XmlNode } from '../../../src/discovery/xml.js';
import { dateVars, render } from '../../helpers/cameraSim/templates.js';

// The client reads both vendors' replies from the same fixtures the simulator serves.

const BASE = 'http://10.0.0.5:80';

function body(vendor: string, name: string, vars: Record<string, string | number> = {}): XmlNode {
  const b = child(parseXml(render(vendor, name, vars)), 'Envelope', 'Body') as XmlNode;
  return Object.values(b)[0] as XmlNode;
}

describe.each(['hik', 'dahua'])('%s replies', (vendor) => {
  it('reads the UTC clock', () => {
    const t = Date.UTC(2024, 4, 1, 3, 4, 5);
    expect(readSystemDateTime(body(vendor, 'GetSystemDateAndTime', dateVars(t)), BASE)).toBe(t);
  });

  it('reads device information, trimming padded values', () => {
    const info = readDeviceInformation(body(vendor, 'GetDeviceInformation', { serial: 'SN123' }));
    expect(info.serialNumber).toBe('SN123');
    expect(info.manufacturer).toBe(vendor === 'hik' ? 'HIKVISION' : 'Dahua');
    expect(info.model).not.toBe('');
  });

  it('reads services and capabilities alike', () => {
    const s = readServices(body(vendor, 'GetServices', { base: BASE }), `${BASE}/onvif/device_service`);
    const c = readCapabilities(body(vendor, 'GetCapabilities', { base: BASE }), `${BASE}/onvif/device_service`);
    expect(s.media).toBe(c.media);
    expect(s.events).toBe(c.events);
    expect(s.media2 !== undefined).toBe(vendor === 'hik');
  });

  it('reads a stream URI, whatever the whitespace around it', () => {
    expect(readUri(body(vendor, 'GetStreamUri', { uri: 'rtsp://10.0.0.5/x' }))).toBe('rtsp://10.0.0.5/x');
  });
});

describe('profiles', () => {
  it('Hikvision-like: Media2 reports H.265 main and H.264 sub', () => {
    const p = readMedia2Profiles(body('hik', 'Media2GetProfiles'));
    expect(p.map((x) => [x.token, x.encoding, x.width, x.height, x.fps, x.service])).toEqual([
      ['Profile_1', 'H265', 1920, 1080, 25, 'media2'],
      ['Profile_2', 'H264', 640, 360, 25, 'media2'],
    ]);
    expect(readUri(body('hik', 'Media2GetStreamUri', { uri: 'rtsp://a/b' }))).toBe('rtsp://a/b');
  });

  it('Dahua-like: Media1 with three profiles, one JPEG too small to detect on', () => {
    const p = readMediaProfiles(body('dahua', 'GetProfiles'));
    expect(p.map((x) => [x.token, x.encoding, x.width, x.height, x.fps, x.bitrateKbps])).toEqual([
      ['MediaProfile000', 'H264', 2688, 1520, 20, 4096],
      ['MediaProfile001', 'H264', 704, 576, 15, 512],
      ['MediaProfile002', 'JPEG', 176, 144, 5, 128],
    ]);
  });

  it('detects on the smallest video profile at least 320 wide and records the largest', () => {
    const p = readMediaProfiles(body('dahua', 'GetProfiles')).map((x) => ({ ...x, streamUri: `rtsp://h/${x.token}` }));
    const c = chooseProfiles(p)!;
    expect(c.detect.token).toBe('MediaProfile001');
    expect(c.record?.token).toBe('MediaProfile000');
    expect(chooseProfiles(p, 'MediaProfile000')).toEqual({ detect: p[0] });
    expect(chooseProfiles(p.map((x) => ({ ...x, streamUri: undefined })))).toBeUndefined();
  });
});

describe('malformed XML', () => {
  it('refuses truncated and broken documents with a line number', () => {
    const full = render('hik', 'GetDeviceInformation', { serial: 'x' });
    expect(() => parseXml(full.slice(0, full.length / 2))).toThrow(XmlSyntaxError);
    expect(() => parseXml('<a><b></a>')).toThrow(/line 1/);
  });
});

describe('WS-Discovery messages', () => {
  const vars = { messageId: 'm1', relatesTo: 'uuid:p1', epr: 'urn:uuid:cam-1', xaddr: 'http://10.0.0.5/onvif/device_service', metadataVersion: 3, instanceId: 1 };
  const scopes = 'onvif://www.onvif.org/hardware/IPC-HFW2431S onvif://www.onvif.org/mfr/Dahua onvif://www.onvif.org/name/Gate%201';

  it('builds a Probe for network video transmitters with a fresh MessageID', () => {
    const a = buildProbe();
    expect(a.xml).toContain('dn:NetworkVideoTransmitter');
    expect(a.messageId).not.toBe(buildProbe().messageId);
  });

  it('reads ProbeMatches, Hello and Bye', () => {
    const m = parseDiscoveryMessage(render('common', 'ProbeMatches', { ...vars, scopes }), '10.0.0.5');
    expect(m).toMatchObject({ type: 'probe-match', relatesTo: 'uuid:p1' });
    const d = m?.type === 'probe-match' ? m.devices[0]! : undefined;
    expect(d).toMatchObject({ epr: 'urn:uuid:cam-1', xaddrs: [vars.xaddr], addresses: ['10.0.0.5'], metadataVersion: 3 });
    expect(d?.info).toMatchObject({ manufacturer: 'Dahua', model: 'IPC-HFW2431S', name: 'Gate 1' });
    expect(parseDiscoveryMessage(render('common', 'Hello', { ...vars, scopes }), '10.0.0.6')).toMatchObject({ type: 'hello', device: { epr: 'urn:uuid:cam-1' } });
    expect(parseDiscoveryMessage(render('common', 'Bye', vars), '10.0.0.6')).toEqual({ type: 'bye', epr: 'urn:uuid:cam-1' });
  });

  it('ignores Probes, garbage and truncated datagrams', () => {
    expect(parseDiscoveryMessage(buildProbe().xml, '10.0.0.1')).toBeUndefined();
    expect(parseDiscoveryMessage('hello', '10.0.0.1')).toBeUndefined();
    expect(parseDiscoveryMessage(render('common', 'Hello', { ...vars, scopes }).slice(0, 300), '10.0.0.1')).toBeUndefined();
  });
});

describe('event notifications', () => {
  it('maps motion and tamper topics to typed events and skips others', () => {
    const msg = (topic: string, item: string, value: string) =>
      render('common', 'NotificationMessage', { topic, item, value, rule: 'r', operation: 'Changed', utc: '2024-05-01T10:00:00Z' });
    const xml = render('common', 'PullMessages', {
      now: 'x',
      termination: 'y',
      messages: [
        msg('tns1:RuleEngine/CellMotionDetector/Motion', 'IsMotion', 'true'),
        msg('tns1:RuleEngine/TamperDetector/Tamper', 'IsTamper', 'false'),
        msg('tns1:VideoSource/MotionAlarm', 'State', 'false'),
        msg('tns1:Device/Trigger/DigitalInput', 'LogicalState', 'true'),
      ].join(''),
    }, ['messages']);
    const res = child(parseXml(xml), 'Envelope', 'Body', 'PullMessagesResponse');
    const ts = Date.UTC(2024, 4, 1, 10);
    expect(readCameraEvents(res, 'cam-1')).toEqual([
      { cameraId: 'cam-1', kind: 'motion', state: true, ts, topic: 'tns1:RuleEngine/CellMotionDetector/Motion' },
      { cameraId: 'cam-1', kind: 'tamper', state: false, ts, topic: 'tns1:RuleEngine/TamperDetector/Tamper' },
      { cameraId: 'cam-1', kind: 'motion', state: false, ts, topic: 'tns1:VideoSource/MotionAlarm' },
    ]);
  });
});
