import { OnvifReplyError } from './onvifErrors.js';
import type { DeviceInfo, MediaProfile, OnvifServices } from './onvifTypes.js';
import { attr, child, children, int, text, type XmlNode } from './xml.js';

// Readers for the SOAP Body elements a probe uses. Each takes the response element (namespace
// prefixes already dropped) and returns plain data, or throws OnvifReplyError naming what is
// missing, so a firmware quirk shows up as a precise message instead of `undefined` downstream.

/** Which of the camera's clocks a reading came from. */
export type CameraClockSource = 'utc' | 'local' | 'local-unknown-zone';

/** The camera's time as epoch ms (UTC), and which element it was read from. */
export interface CameraClock {
  utcMs: number;
  /** 'local': LocalDateTime with its TimeZone; 'local-unknown-zone': LocalDateTime read as UTC. */
  source: CameraClockSource;
}

/** GetSystemDateAndTimeResponse → the camera's UTC time as epoch ms. */
export function readSystemDateTime(res: XmlNode, address: string): number {
  return readCameraClock(res, address).utcMs;
}

/**
 * GetSystemDateAndTimeResponse → the camera's time. UTCDateTime is optional in the ONVIF schema:
 * firmwares that leave it out are read from LocalDateTime and the POSIX TZ string. Fields out of
 * range (month 13, an empty year, -2147483649) make the reply unusable: OnvifReplyError.
 */
export function readCameraClock(res: XmlNode, address: string): CameraClock {
  const sdt = child(res, 'SystemDateAndTime');
  const utc = child(sdt, 'UTCDateTime');
  if (utc !== undefined) return { utcMs: dateTimeMs(utc, 'UTCDateTime', address), source: 'utc' };
  const local = child(sdt, 'LocalDateTime');
  if (local === undefined) throw new OnvifReplyError(address, 'GetSystemDateAndTime without UTCDateTime or LocalDateTime');
  const offsetMs = posixZoneOffsetMs(text(sdt, 'TimeZone', 'TZ'));
  const localMs = dateTimeMs(local, 'LocalDateTime', address);
  return offsetMs === undefined ? { utcMs: localMs, source: 'local-unknown-zone' } : { utcMs: localMs - offsetMs, source: 'local' };
}

const CLOCK_FIELDS = [
  ['Date', 'Year', 1970, 9999],
  ['Date', 'Month', 1, 12],
  ['Date', 'Day', 1, 31],
  ['Time', 'Hour', 0, 23],
  ['Time', 'Minute', 0, 59],
  ['Time', 'Second', 0, 60],
] as const;

function dateTimeMs(node: unknown, element: string, address: string): number {
  const v: number[] = [];
  for (const [group, name, min, max] of CLOCK_FIELDS) {
    const t = text(node, group, name);
    const n = t !== undefined && /^[+-]?\d{1,6}$/.test(t) ? Number(t) : NaN;
    if (!(n >= min && n <= max)) {
      const shown = t === undefined ? 'missing' : t === '' ? 'empty' : `"${t.slice(0, 24)}"`;
      throw new OnvifReplyError(address, `unusable clock reply: ${element} ${name} is ${shown}, expected ${min}..${max}`);
    }
    v.push(n);
  }
  const [y, mo, d, h, mi, s] = v as [number, number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h, mi, Math.min(s, 59));
  if (new Date(ms).getUTCDate() !== d) throw new OnvifReplyError(address, `unusable clock reply: ${element} ${y}-${mo}-${d} is not a date`);
  return ms;
}

/**
 * Offset of local time from UTC, ms, from a POSIX TZ string as ONVIF carries it ("CST-7:00:00" is
 * UTC+7: POSIX counts west as positive). Daylight-saving rules after the offset are not applied.
 * undefined when the string has no readable offset.
 */
export function posixZoneOffsetMs(tz: string | undefined): number | undefined {
  const m = tz ? /^\s*(?:[A-Za-z]{3,}|<[^>]{1,16}>)([+-]?)(\d{1,2})(?::(\d{2}))?(?::(\d{2}))?/.exec(tz) : null;
  if (!m) return undefined;
  const [h, mi, s] = [Number(m[2]), Number(m[3] ?? 0), Number(m[4] ?? 0)];
  if (h > 24 || mi > 59 || s > 59) return undefined;
  const west = (h * 3600 + mi * 60 + s) * 1000;
  return m[1] === '-' ? west : -west;
}

/** GetDeviceInformationResponse → DeviceInfo. */
export function readDeviceInformation(res: XmlNode): DeviceInfo {
  return {
    manufacturer: text(res, 'Manufacturer') ?? '',
    model: text(res, 'Model') ?? '',
    firmwareVersion: text(res, 'FirmwareVersion') ?? '',
    serialNumber: text(res, 'SerialNumber') ?? '',
    hardwareId: text(res, 'HardwareId') ?? '',
  };
}

const SERVICE_KEYS: Record<string, keyof OnvifServices> = {
  'http://www.onvif.org/ver10/device/wsdl': 'device',
  'http://www.onvif.org/ver10/media/wsdl': 'media',
  'http://www.onvif.org/ver20/media/wsdl': 'media2',
  'http://www.onvif.org/ver10/events/wsdl': 'events',
  'http://www.onvif.org/ver20/imaging/wsdl': 'imaging',
  'http://www.onvif.org/ver20/ptz/wsdl': 'ptz',
};

/** GetServicesResponse → service XAddrs by kind. */
export function readServices(res: XmlNode, deviceUrl: string): OnvifServices {
  const out: OnvifServices = { device: deviceUrl };
  for (const s of children(res, 'Service')) {
    const key = SERVICE_KEYS[text(s, 'Namespace') ?? ''];
    const xaddr = text(s, 'XAddr');
    if (key && xaddr && key !== 'device') out[key] = xaddr;
  }
  return out;
}

/** GetCapabilitiesResponse (older firmware without GetServices) → service XAddrs. */
export function readCapabilities(res: XmlNode, deviceUrl: string): OnvifServices {
  const caps = child(res, 'Capabilities');
  const out: OnvifServices = { device: deviceUrl };
  const media = text(caps, 'Media', 'XAddr');
  const events = text(caps, 'Events', 'XAddr');
  const imaging = text(caps, 'Imaging', 'XAddr');
  const ptz = text(caps, 'PTZ', 'XAddr');
  if (media) out.media = media;
  if (events) out.events = events;
  if (imaging) out.imaging = imaging;
  if (ptz) out.ptz = ptz;
  return out;
}

/** Media (ver10) GetProfilesResponse → profiles with a video encoder (others are skipped). */
export function readMediaProfiles(res: XmlNode): MediaProfile[] {
  const out: MediaProfile[] = [];
  for (const p of children(res, 'Profiles')) {
    const enc = child(p, 'VideoEncoderConfiguration');
    if (!enc) continue;
    out.push(profileFrom(p, enc, 'media'));
  }
  return out;
}

/** Media2 (ver20) GetProfilesResponse → profiles with a video encoder. */
export function readMedia2Profiles(res: XmlNode): MediaProfile[] {
  const out: MediaProfile[] = [];
  for (const p of children(res, 'Profiles')) {
    const enc = child(p, 'Configurations', 'VideoEncoder');
    if (!enc) continue;
    out.push(profileFrom(p, enc, 'media2'));
  }
  return out;
}

function profileFrom(p: unknown, enc: unknown, service: MediaProfile['service']): MediaProfile {
  const profile: MediaProfile = {
    token: attr(p, 'token') ?? '',
    name: text(p, 'Name') ?? '',
    encoding: (text(enc, 'Encoding') ?? '').toUpperCase().replace('H.26', 'H26'),
    width: int(enc, 'Resolution', 'Width') ?? 0,
    height: int(enc, 'Resolution', 'Height') ?? 0,
    service,
  };
  const fps = int(enc, 'RateControl', 'FrameRateLimit');
  const kbps = int(enc, 'RateControl', 'BitrateLimit');
  if (fps !== undefined) profile.fps = fps;
  if (kbps !== undefined) profile.bitrateKbps = kbps;
  return profile;
}

/** GetStreamUriResponse / GetSnapshotUriResponse (Media: MediaUri/Uri; Media2: Uri) → URI. */
export function readUri(res: XmlNode): string | undefined {
  return text(res, 'MediaUri', 'Uri') ?? text(res, 'Uri');
}
