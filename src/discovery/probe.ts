import { redactUri } from '../errors.js';
import { checkDeviceUrl, shownText, type CheckedUrl } from './deviceUrl.js';
import {
  BadAddressError,
  CredentialsRequiredError,
  OnvifAuthError,
  OnvifError,
  OnvifFaultError,
  OnvifReplyError,
  StreamUriRefusedError,
} from './onvifErrors.js';
import {
  readCameraClock,
  readCapabilities,
  readDeviceInformation,
  readMedia2Profiles,
  readMediaProfiles,
  readServices,
  readUri,
  type CameraClockSource,
} from './onvifReplies.js';
import type { CameraProbe, DeviceInfo, MediaProfile, OnvifServices } from './onvifTypes.js';
import { SoapClient, type SoapCredentials } from './soapClient.js';
import { escapeXml } from './wsSecurity.js';

export interface ProbeOptions {
  /** host, host:port, or a device service URL (http://host:port/onvif/device_service). */
  target: string;
  credentials?: SoapCredentials;
  /** Per SOAP request. Default 5000. */
  timeoutMs?: number;
}

/** `host[:port]` or a URL → the device service URL ONVIF mandates (/onvif/device_service), without credentials. */
export function deviceServiceUrl(target: string): string {
  return parseTarget(target).url.href;
}

/**
 * Reads a probe target: host, host:port or a device service URL. Credentials written into a URL
 * (http://admin:pw@host/...) are taken out of it, so the address can be printed, and returned
 * separately. Throws BadAddressError for anything else.
 */
export function parseTarget(target: string): { url: CheckedUrl; credentials?: SoapCredentials } {
  const raw = /^[a-z][a-z0-9+.-]*:\/\//i.test(target) ? target : `http://${target}/onvif/device_service`;
  let credentials: SoapCredentials | undefined;
  let plain = raw;
  if (URL.canParse(raw)) {
    const u = new URL(raw);
    if (u.username || u.password) {
      credentials = { user: safeDecode(u.username), password: safeDecode(u.password) };
      u.username = '';
      u.password = '';
      plain = u.href;
    }
  }
  const checked = checkDeviceUrl(plain);
  if (!checked.ok) throw new BadAddressError(shownText(redactUri(credentials ? plain : target)), checked.reason);
  return { url: checked.url, ...(credentials ? { credentials } : {}) };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * Reads everything needed to add a camera: clock offset, device information, services and every
 * video profile with its RTSP and snapshot URI. Throws an OnvifError subclass saying what failed.
 * Credentials in a target URL are used when `credentials` is not given.
 */
export async function probeCamera(opts: ProbeOptions): Promise<CameraProbe> {
  const target = parseTarget(opts.target);
  const deviceUrl = target.url.href;
  const credentials = opts.credentials ?? target.credentials;
  const client = new SoapClient(deviceUrl, { timeoutMs: opts.timeoutMs ?? 5000, credentials });
  const clock = await readClock(client);
  client.clockOffsetMs = clock.offsetMs;
  const device = readDeviceInformation(await authenticated(client, () => call(client, deviceUrl, 'tds', 'GetDeviceInformation')));
  const services = await readServiceAddresses(client, deviceUrl);
  const profiles = await readProfiles(client, services);
  await addUris(client, services, profiles);
  return {
    deviceUrl,
    host: target.url.hostname,
    port: target.url.port,
    clockOffsetMs: client.clockOffsetMs,
    clock: clock.source,
    auth: !credentials ? 'none' : client.httpDigest ? 'http-digest' : 'ws-security',
    device,
    services,
    profiles,
  };
}

/**
 * Who the device at `deviceUrl` says it is (GetDeviceInformation), asked with `credentials` over
 * WS-Security digest, or HTTP digest when the device challenges for it: the password itself is
 * never sent. Throws an OnvifError subclass.
 */
export async function readDeviceIdentity(deviceUrl: CheckedUrl, credentials: SoapCredentials | undefined, timeoutMs: number): Promise<DeviceInfo> {
  const client = new SoapClient(deviceUrl.href, { timeoutMs, credentials });
  client.clockOffsetMs = (await readClock(client)).offsetMs;
  return readDeviceInformation(await authenticated(client, () => call(client, deviceUrl.href, 'tds', 'GetDeviceInformation')));
}

/** Shorthand for a parameterless request to one of the ONVIF services. */
function call(client: SoapClient, url: string, prefix: 'tds' | 'trt' | 'tr2', op: string, inner = '', auth = true) {
  const ns = { tds: 'device', trt: 'media', tr2: 'media' }[prefix];
  const ver = prefix === 'tr2' ? 'ver20' : 'ver10';
  return client.call(url, {
    action: `http://www.onvif.org/${ver}/${ns}/wsdl/${op}`,
    body: `<${prefix}:${op}>${inner}</${prefix}:${op}>`,
    auth,
  });
}

/** Camera clock − ours, ms. Unauthenticated as the spec requires; cameras that refuse get offset 0. */
export async function readClockOffset(client: SoapClient): Promise<number> {
  return (await readClock(client)).offsetMs;
}

/** The clock offset and where the camera's time came from ('unavailable': refused, offset 0). */
export async function readClock(client: SoapClient): Promise<{ offsetMs: number; source: CameraClockSource | 'unavailable' }> {
  const sentAt = Date.now();
  try {
    const res = await call(client, client.deviceUrl, 'tds', 'GetSystemDateAndTime', '', false);
    // The reply is stamped somewhere during the round trip: take its middle.
    const localMid = (sentAt + Date.now()) / 2;
    const clock = readCameraClock(res, client.deviceUrl);
    return { offsetMs: clock.utcMs - localMid, source: clock.source };
  } catch (err) {
    // Some firmwares want credentials even for the time; the authenticated calls will say so if needed.
    if (err instanceof OnvifFaultError || err instanceof CredentialsRequiredError) return { offsetMs: 0, source: 'unavailable' };
    throw err;
  }
}

/**
 * Runs an authenticated request; if the camera rejects our credentials while we compensate a
 * clock offset, tries once more on our own clock, because some firmwares report local time as UTC
 * in GetSystemDateAndTime but check tokens against true UTC.
 */
async function authenticated<T>(client: SoapClient, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (!(err instanceof OnvifAuthError) || Math.abs(client.clockOffsetMs) < 5_000) throw err;
    const measured = client.clockOffsetMs;
    client.clockOffsetMs = 0;
    try {
      return await fn();
    } catch {
      client.clockOffsetMs = measured;
      throw err;
    }
  }
}

/** Service XAddrs (GetServices, or GetCapabilities on old firmware), re-based on the address we reached. */
export async function readServiceAddresses(client: SoapClient, deviceUrl: string): Promise<OnvifServices> {
  let services: OnvifServices;
  try {
    services = readServices(await call(client, deviceUrl, 'tds', 'GetServices', '<tds:IncludeCapability>false</tds:IncludeCapability>'), deviceUrl);
  } catch (err) {
    if (!(err instanceof OnvifFaultError)) throw err;
    services = readCapabilities(await call(client, deviceUrl, 'tds', 'GetCapabilities', '<tds:Category>All</tds:Category>'), deviceUrl);
  }
  return sameOrigin(services, deviceUrl);
}

/**
 * Cameras behind NAT or a port forward advertise service XAddrs with their own LAN address; the
 * address we reached the device service on is the one that works from here, so it replaces theirs.
 * A service address that is not an http(s) URL is an unusable reply, named as such.
 */
export function sameOrigin(services: OnvifServices, deviceUrl: string): OnvifServices {
  const device = checkDeviceUrl(deviceUrl);
  if (!device.ok) throw new BadAddressError(shownText(deviceUrl), device.reason);
  const out: OnvifServices = { device: deviceUrl };
  for (const [k, v] of Object.entries(services) as [keyof OnvifServices, string][]) {
    if (k === 'device') continue;
    const c = checkDeviceUrl(v);
    if (!c.ok) throw new OnvifReplyError(deviceUrl, `the ${k} service address "${shownText(v, 80)}" is ${c.reason}`);
    out[k] = device.url.origin + c.url.pathAndQuery;
  }
  return out;
}

/**
 * Media2 where offered (it reports H.265 properly); Media1 when Media2 is absent, broken, or lists
 * no profile with a video encoder (some firmwares return only audio/metadata profiles there).
 */
async function readProfiles(client: SoapClient, services: OnvifServices): Promise<MediaProfile[]> {
  if (services.media2) {
    try {
      const profiles = readMedia2Profiles(await call(client, services.media2, 'tr2', 'GetProfiles', '<tr2:Type>All</tr2:Type>'));
      if (profiles.length > 0 || !services.media) return profiles;
    } catch (err) {
      if (!(err instanceof OnvifFaultError) || !services.media) throw err;
    }
  }
  const mediaUrl = services.media ?? client.deviceUrl;
  return readMediaProfiles(await call(client, mediaUrl, 'trt', 'GetProfiles'));
}

async function addUris(client: SoapClient, services: OnvifServices, profiles: MediaProfile[]): Promise<void> {
  let refusal: OnvifError | undefined;
  for (const p of profiles) {
    const v2 = p.service === 'media2';
    const url = (v2 ? services.media2 : services.media) ?? client.deviceUrl;
    const token = `<${v2 ? 'tr2' : 'trt'}:ProfileToken>${escapeXml(p.token)}</${v2 ? 'tr2' : 'trt'}:ProfileToken>`;
    const setup = v2
      ? `<tr2:Protocol>RTSP</tr2:Protocol>${token}`
      : `<trt:StreamSetup><tt:Stream>RTP-Unicast</tt:Stream><tt:Transport><tt:Protocol>RTSP</tt:Protocol></tt:Transport></trt:StreamSetup>${token}`;
    try {
      p.streamUri = readUri(await call(client, url, v2 ? 'tr2' : 'trt', 'GetStreamUri', setup));
    } catch (err) {
      if (!(err instanceof OnvifFaultError)) throw err;
      refusal = new StreamUriRefusedError(client.deviceUrl, p.token, err.message, { cause: err });
    }
    try {
      p.snapshotUri = readUri(await call(client, url, v2 ? 'tr2' : 'trt', 'GetSnapshotUri', token));
    } catch (err) {
      // Snapshots are a convenience; many firmwares disable them. A network failure still counts.
      if (!(err instanceof OnvifFaultError)) throw err;
    }
  }
  if (refusal && !profiles.some((p) => p.streamUri)) throw refusal;
}
