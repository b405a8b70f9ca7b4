import { OnvifAuthError, OnvifError, OnvifFaultError, StreamUriRefusedError } from './onvifErrors.js';
import {
  readCapabilities,
  readDeviceInformation,
  readMedia2Profiles,
  readMediaProfiles,
  readServices,
  readSystemDateTime,
  readUri,
} from './onvifReplies.js';
import type { CameraProbe, MediaProfile, OnvifServices } from './onvifTypes.js';
import { SoapClient, type SoapCredentials } from './soapClient.js';

export interface ProbeOptions {
  /** host, host:port, or a device service URL (http://host:port/onvif/device_service). */
  target: string;
  credentials?: SoapCredentials;
  /** Per SOAP request. Default 5000. */
  timeoutMs?: number;
}

/** `host[:port]` or a URL → the device service URL ONVIF mandates (/onvif/device_service). */
export function deviceServiceUrl(target: string): string {
  if (/^https?:\/\//i.test(target)) return target;
  return `http://${target}/onvif/device_service`;
}

/**
 * Reads everything needed to add a camera: clock offset, device information, services and every
 * video profile with its RTSP and snapshot URI. Throws an OnvifError subclass saying what failed.
 */
export async function probeCamera(opts: ProbeOptions): Promise<CameraProbe> {
  const deviceUrl = deviceServiceUrl(opts.target);
  const url = new URL(deviceUrl);
  const client = new SoapClient(deviceUrl, { timeoutMs: opts.timeoutMs ?? 5000, credentials: opts.credentials });
  client.clockOffsetMs = await readClockOffset(client);
  const device = readDeviceInformation(await authenticated(client, () => call(client, deviceUrl, 'tds', 'GetDeviceInformation')));
  const services = await readServiceAddresses(client, deviceUrl);
  const profiles = await readProfiles(client, services);
  await addUris(client, services, profiles);
  return {
    deviceUrl,
    host: url.hostname,
    port: Number(url.port || 80),
    clockOffsetMs: client.clockOffsetMs,
    auth: !opts.credentials ? 'none' : client.httpDigest ? 'http-digest' : 'ws-security',
    device,
    services,
    profiles,
  };
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
  const sentAt = Date.now();
  try {
    const res = await call(client, client.deviceUrl, 'tds', 'GetSystemDateAndTime', '', false);
    // The reply is stamped somewhere during the round trip: take its middle.
    const localMid = (sentAt + Date.now()) / 2;
    return readSystemDateTime(res, client.deviceUrl) - localMid;
  } catch (err) {
    if (err instanceof OnvifFaultError) return 0;
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
 */
export function sameOrigin(services: OnvifServices, deviceUrl: string): OnvifServices {
  const origin = new URL(deviceUrl).origin;
  const out: OnvifServices = { device: deviceUrl };
  for (const [k, v] of Object.entries(services) as [keyof OnvifServices, string][]) {
    if (k !== 'device') out[k] = origin + new URL(v).pathname;
  }
  return out;
}

/** Media2 where offered (it reports H.265 properly); Media1 when Media2 is absent or broken. */
async function readProfiles(client: SoapClient, services: OnvifServices): Promise<MediaProfile[]> {
  if (services.media2) {
    try {
      return readMedia2Profiles(await call(client, services.media2, 'tr2', 'GetProfiles', '<tr2:Type>All</tr2:Type>'));
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
    const token = `<${v2 ? 'tr2' : 'trt'}:ProfileToken>${p.token}</${v2 ? 'tr2' : 'trt'}:ProfileToken>`;
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
