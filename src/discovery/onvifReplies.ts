import { OnvifReplyError } from './onvifErrors.js';
import type { DeviceInfo, MediaProfile, OnvifServices } from './onvifTypes.js';
import { attr, child, children, int, text, type XmlNode } from './xml.js';

// Readers for the SOAP Body elements a probe uses. Each takes the response element (namespace
// prefixes already dropped) and returns plain data, or throws OnvifReplyError naming what is
// missing, so a firmware quirk shows up as a precise message instead of `undefined` downstream.

/** GetSystemDateAndTimeResponse → the camera's UTC time as epoch ms. */
export function readSystemDateTime(res: XmlNode, address: string): number {
  const utc = child(res, 'SystemDateAndTime', 'UTCDateTime');
  const d = child(utc, 'Date');
  const t = child(utc, 'Time');
  const parts = [int(d, 'Year'), int(d, 'Month'), int(d, 'Day'), int(t, 'Hour'), int(t, 'Minute'), int(t, 'Second')];
  if (parts.some((p) => p === undefined)) throw new OnvifReplyError(address, 'GetSystemDateAndTime without a complete UTCDateTime');
  const [y, mo, day, h, mi, s] = parts as number[];
  return Date.UTC(y!, mo! - 1, day!, h!, mi!, s!);
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
