import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { credentialsOf, withHost } from '../../../src/cameraWatch.js';
import type { CameraConfig } from '../../../src/config/cameraSchema.js';
import { compareIdentity } from '../../../src/discovery/cameraIdentity.js';
import { pullPointAddress } from '../../../src/discovery/cameraEvents.js';
import { checkDeviceUrl } from '../../../src/discovery/deviceUrl.js';
import { DiscoveryListener, type CameraMovedEvent } from '../../../src/discovery/discoveryListener.js';
import { discoveryTable } from '../../../src/discovery/formatting.js';
import { OnvifReplyError } from '../../../src/discovery/onvifErrors.js';
import { posixZoneOffsetMs, readCameraClock, readSystemDateTime } from '../../../src/discovery/onvifReplies.js';
import { sameOrigin } from '../../../src/discovery/probe.js';
import { parseRtspChallenge } from '../../../src/discovery/rtspAuth.js';
import { parseDiscoveryMessage, plainDevice } from '../../../src/discovery/wsDiscoveryMessages.js';
import { parseXml, XmlSyntaxError } from '../../../src/discovery/xml.js';
import { render } from '../../helpers/cameraSim/templates.js';

// What one hostile or broken device on the camera segment can send, fed straight into the code
// that reads it: every case ends in a counted rejection or one clear sentence, never a TypeError.

const EPR = 'urn:uuid:5f0e0000-0000-4000-8000-000000000001';
const HOME = 'http://10.20.0.21/onvif/device_service';
const RAW = /TypeError|RangeError|ReferenceError|Invalid URL|Invalid time value/;

function hello(xaddrs: string, epr = EPR): string {
  return render('common', 'Hello', { messageId: 'm', instanceId: 1, epr, xaddr: xaddrs, metadataVersion: 2, scopes: 'onvif://www.onvif.org/name/x' });
}

function capture(): { log: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({ write: (chunk: Buffer, _e, done) => (lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>), done()) });
  return { log: pino({ level: 'debug' }, sink), lines };
}

describe('WS-Discovery listener fed hostile datagrams', () => {
  it('drops a Hello with a known EPR and a malformed XAddr: counted, logged with the sender, not stored', async () => {
    const { log, lines } = capture();
    const listener = new DiscoveryListener({ log });
    listener.track({ cameraId: 'gate-1', epr: EPR, xaddr: HOME });
    const moves: CameraMovedEvent[] = [];
    listener.onMoved((e) => moves.push(e));
    for (const bad of ['0', 'http://[', '#', 'http://']) await listener.receive(Buffer.from(hello(bad)), '10.20.0.66');
    expect(moves).toEqual([]);
    expect(listener.stats()).toMatchObject({ received: 4, hello: 0, rejected: { 'bad-xaddr': 4, malformed: 0, 'handler-failed': 0 } });
    const warnings = lines.filter((l) => l['msg'] === 'WS-Discovery datagram dropped');
    expect(warnings).toHaveLength(4);
    expect(warnings[0]).toMatchObject({ level: 40, from: '10.20.0.66', reason: 'bad-xaddr', epr: EPR });
    expect(JSON.stringify(lines)).not.toMatch(RAW);
    // The address kept is still the configured one: a real move afterwards names it as previous.
    await listener.receive(hello('http://10.20.0.30/onvif/device_service'), '10.20.0.30');
    expect(moves).toHaveLength(1);
    expect(moves[0]).toMatchObject({ previousXAddr: HOME, xaddr: 'http://10.20.0.30/onvif/device_service', url: { hostname: '10.20.0.30', port: 80 } });
  });

  it('does not adopt a claimed address by itself: the same claim is reported again until setAddress()', async () => {
    const listener = new DiscoveryListener();
    listener.track({ cameraId: 'gate-1', epr: EPR, xaddr: HOME });
    const moves: CameraMovedEvent[] = [];
    listener.onMoved((e) => moves.push(e));
    await listener.receive(hello('http://10.20.0.30/onvif/device_service'), '10.20.0.30');
    await listener.receive(hello('http://10.20.0.30/onvif/device_service'), '10.20.0.30');
    expect(moves).toHaveLength(2);
    listener.setAddress('gate-1', moves[0]!.url);
    await listener.receive(hello('http://10.20.0.30/onvif/device_service'), '10.20.0.30');
    expect(moves).toHaveLength(2);
  });

  it('counts garbage, oversized nesting and entity declarations as malformed, and survives a throwing handler', async () => {
    const listener = new DiscoveryListener();
    listener.track({ cameraId: 'gate-1', epr: EPR, xaddr: HOME });
    listener.onHello(() => {
      throw new Error('handler bug');
    });
    const bomb = '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><e>&b;</e>';
    for (const d of ['', 'hello', '<a>'.repeat(5000) + '</a>'.repeat(5000), bomb, hello('x').slice(0, 200)]) await listener.receive(d, '10.0.0.9');
    await listener.receive(hello('http://10.20.0.40/onvif/device_service'), '10.20.0.40');
    expect(listener.stats().rejected).toEqual({ malformed: 5, 'bad-xaddr': 0, 'handler-failed': 1 });
  });

  it('prefers a routable XAddr over a link-local one listed first', () => {
    const m = parseDiscoveryMessage(hello('http://169.254.10.3/onvif/device_service http://10.20.0.21/onvif/device_service'), '10.20.0.21');
    expect(m?.type === 'hello' && m.device.xaddrs).toEqual(['http://10.20.0.21/onvif/device_service', 'http://169.254.10.3/onvif/device_service']);
    const v6 = parseDiscoveryMessage(hello('http://[fe80::1]/onvif/device_service http://10.20.0.22:8080/onvif/device_service'), '10.20.0.22');
    expect(v6?.type === 'hello' && discoveryTable([plainDevice(v6.device)])).toMatch(/\n10\.20\.0\.22:8080 /);
  });
});

describe('discover table', () => {
  it('keeps the table when a ProbeMatch carries XAddrs "/x"', () => {
    const xml = render('common', 'ProbeMatches', { messageId: 'm', relatesTo: 'r', epr: EPR, xaddr: '/x', metadataVersion: 1, scopes: 'onvif://www.onvif.org/name/Cam' });
    const m = parseDiscoveryMessage(xml, '10.20.0.7');
    const devices = m?.type === 'probe-match' ? m.devices.map(plainDevice) : [];
    expect(devices[0]?.xaddrs).toEqual([]);
    expect(discoveryTable(devices)).toMatch(/\n10\.20\.0\.7\s+\?\s+Cam\s+urn:uuid:/);
    // Even a device record built elsewhere with a bad XAddr prints.
    const raw = { epr: EPR, xaddrs: ['/x', 'http://['], scopes: [], info: { manufacturer: '', model: '', name: '', location: '', profiles: [] }, addresses: ['10.20.0.8'] };
    expect(discoveryTable([raw])).toMatch(/\n10\.20\.0\.8 /);
  });
});

describe('service and pull-point addresses', () => {
  it('sameOrigin names a service address that is not a URL', () => {
    expect(() => sameOrigin({ device: HOME, media: 'htt' }, HOME)).toThrow(OnvifReplyError);
    expect(() => sameOrigin({ device: HOME, media: 'htt' }, HOME)).toThrow(/the media service address "htt" is not a URL/);
    expect(sameOrigin({ device: HOME, media: 'http://192.168.1.64:80/onvif/Media?x=1' }, HOME).media).toBe('http://10.20.0.21/onvif/Media?x=1');
  });

  it('a pull-point address "h" is an unusable reply naming the camera and the address', () => {
    expect(() => pullPointAddress('gate-1', HOME, 'h')).toThrow(/camera gate-1: pull-point address "h" is not a URL/);
    expect(() => pullPointAddress('gate-1', HOME, undefined)).toThrow(OnvifReplyError);
    expect(pullPointAddress('gate-1', HOME, 'http://192.168.1.64/pull/3?s=1')).toBe('http://10.20.0.21/pull/3?s=1');
  });

  it('checks device addresses without throwing', () => {
    for (const bad of ['0', 'http://[', '#', 'http://', '/x', 'htt', 'ftp://h/', 'http://u:p@h/', 'x'.repeat(5000), '']) {
      const c = checkDeviceUrl(bad);
      expect(c.ok, bad).toBe(false);
    }
    expect(checkDeviceUrl('http://[fe80::1]:8080/a')).toMatchObject({ ok: true, url: { hostname: 'fe80::1', port: 8080, linkLocal: true } });
  });
});

describe('clock replies', () => {
  const clock = (date: string, time = '<tt:Hour>1</tt:Hour><tt:Minute>2</tt:Minute><tt:Second>3</tt:Second>', tz = '', which = 'UTCDateTime') =>
    parseXml(
      `<r xmlns:tt="x"><tt:SystemDateAndTime>${tz}<tt:${which}><tt:Time>${time}</tt:Time><tt:Date>${date}</tt:Date></tt:${which}></tt:SystemDateAndTime></r>`,
    )['r'] as Record<string, unknown>;

  it('refuses out-of-range and empty fields as an unusable clock reply', () => {
    const cases = [
      ['<tt:Year>2024</tt:Year><tt:Month>-2147483649</tt:Month><tt:Day>1</tt:Day>', /Month is "-2147483649", expected 1\.\.12/],
      ['<tt:Year></tt:Year><tt:Month>5</tt:Month><tt:Day>1</tt:Day>', /Year is empty/],
      ['<tt:Year>2024</tt:Year><tt:Month>2</tt:Month><tt:Day>31</tt:Day>', /2024-2-31 is not a date/],
      ['<tt:Year>1e400</tt:Year><tt:Month>2</tt:Month><tt:Day>3</tt:Day>', /Year is "1e400"/],
    ] as const;
    for (const [date, message] of cases) {
      const err = (() => {
        try {
          readSystemDateTime(clock(date), HOME);
        } catch (e) {
          return e as Error;
        }
      })();
      expect(err).toBeInstanceOf(OnvifReplyError);
      expect(err!.message).toMatch(/unusable clock reply/);
      expect(err!.message).toMatch(message);
      expect(err!.message).not.toMatch(RAW);
    }
  });

  it('reads LocalDateTime with a POSIX zone when UTCDateTime is absent', () => {
    const tz = '<tt:TimeZone><tt:TZ>CST-7:00:00</tt:TZ></tt:TimeZone>';
    const date = '<tt:Year>2024</tt:Year><tt:Month>5</tt:Month><tt:Day>1</tt:Day>';
    expect(readCameraClock(clock(date, undefined, tz, 'LocalDateTime'), HOME)).toEqual({ utcMs: Date.UTC(2024, 3, 30, 18, 2, 3), source: 'local' });
    expect(readCameraClock(clock(date, undefined, '', 'LocalDateTime'), HOME)).toEqual({ utcMs: Date.UTC(2024, 4, 1, 1, 2, 3), source: 'local-unknown-zone' });
    expect(posixZoneOffsetMs('EST5EDT,M3.2.0,M11.1.0')).toBe(-5 * 3_600_000);
    expect(posixZoneOffsetMs('<+0530>-5:30')).toBe(5.5 * 3_600_000);
    expect(posixZoneOffsetMs('garbage')).toBeUndefined();
  });
});

describe('XML limits', () => {
  it('refuses document type declarations (no entity can expand) and reports nesting limits as syntax errors', () => {
    expect(() => parseXml('<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>')).toThrow(XmlSyntaxError);
    expect(() => parseXml('<a>'.repeat(20_000) + '</a>'.repeat(20_000))).toThrow(XmlSyntaxError);
  });
});

describe('camera watch helpers', () => {
  const cam = (source: string) => ({ id: 'c', source, onvif: { host: 'h', port: 80, user: 'admin', events: true } }) as unknown as CameraConfig;

  it('credentialsOf does not throw on a source that is not a URI', () => {
    expect(credentialsOf(cam('rtsp://in:cp'))).toMatchObject({ problem: expect.stringMatching(/not a valid URI/) as unknown });
    expect(credentialsOf(cam('rtsp://admin:p%40ss@10.0.0.5/h264')).credentials).toEqual({ user: 'admin', password: 'p@ss' });
    expect(credentialsOf(cam('rtsp://admin:%E0%A4%A@10.0.0.5/h264')).credentials).toEqual({ user: 'admin', password: '%E0%A4%A' });
    expect(withHost('rtsp://in:cp', '10.0.0.6')).toBeUndefined();
    expect(withHost('rtsp://a:b@10.0.0.5:554/x', 'fe80::2')).toBe('rtsp://a:b@[fe80::2]:554/x');
  });

  it('compareIdentity wants the recorded serial, hardware id and EPR', () => {
    const device = { manufacturer: 'H', model: 'M', firmwareVersion: '1', serialNumber: 'SN1', hardwareId: '88' };
    expect(compareIdentity({ serial: 'SN1', hardwareId: '88', epr: EPR }, EPR, device).ok).toBe(true);
    expect(compareIdentity({ serial: 'SN1', epr: EPR }, EPR, { ...device, serialNumber: 'SN2' })).toMatchObject({ ok: false, reason: /serial number "SN2"/ });
    expect(compareIdentity({ serial: 'SN1', hardwareId: '99' }, EPR, device)).toMatchObject({ ok: false, reason: /hardware id "88"/ });
    expect(compareIdentity({ serial: 'SN1', epr: 'urn:uuid:other' }, EPR, device).ok).toBe(false);
    expect(compareIdentity({}, EPR, device).ok).toBe(false);
  });
});

describe('RTSP challenges', () => {
  it('reads the status and every offered scheme', () => {
    const head = (auth: string[]) => ['RTSP/1.0 401 Unauthorized', 'CSeq: 1', ...auth.map((a) => `WWW-Authenticate: ${a}`)].join('\r\n');
    expect(parseRtspChallenge(head(['Digest realm="IP Camera", nonce="ab, c=d", stale="FALSE"', 'Basic realm="IP Camera"']))).toEqual({ status: 401, schemes: ['digest', 'basic'] });
    expect(parseRtspChallenge(head(['Basic realm="x"']))).toEqual({ status: 401, schemes: ['basic'] });
    expect(parseRtspChallenge(head(['Digest realm="x", nonce="n", Basic realm="x"']))).toEqual({ status: 401, schemes: ['digest', 'basic'] });
    expect(parseRtspChallenge('RTSP/1.0 200 OK\r\nCSeq: 1')).toEqual({ status: 200, schemes: [] });
    expect(parseRtspChallenge('HTTP/1.1 200 OK')).toBeUndefined();
  });
});
