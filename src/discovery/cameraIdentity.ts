import type { CheckedUrl } from './deviceUrl.js';
import { shownText } from './deviceUrl.js';
import { OnvifError } from './onvifErrors.js';
import type { DeviceInfo } from './onvifTypes.js';
import { readDeviceIdentity } from './probe.js';
import type { SoapCredentials } from './soapClient.js';

// Is the device at a new address the camera we know? Anyone on the camera segment can send a
// WS-Discovery Hello with a camera's endpoint reference (cameras announce it openly). Before the
// agent sends the camera's credentials anywhere near the new address (RTSP included), it asks the
// device who it is, authenticating by digest only, and compares the answer with what
// `camera add` recorded.

/** What `camera add` recorded about a camera (config `onvif.epr`, `onvif.serial`, `onvif.hardware_id`). */
export interface RecordedIdentity {
  epr?: string;
  serial?: string;
  hardwareId?: string;
}

/**
 * ok, or refused with the reason. `transient`: the device could not be asked (unreachable, timed
 * out, refused our credentials); a check later may succeed. Without it the answer was definitive
 * (another serial number, nothing recorded to compare with).
 */
export type IdentityCheck = { ok: true; device: DeviceInfo } | { ok: false; reason: string; transient?: boolean };

/**
 * Compares a device's answer with the recorded identity. The serial number is required: without a
 * recorded one nothing proves the device is the camera, so the move is refused. A recorded hardware
 * id and EPR must match too. Pure.
 */
export function compareIdentity(expected: RecordedIdentity, claimedEpr: string, device: DeviceInfo): IdentityCheck {
  if (expected.epr && claimedEpr !== expected.epr) return { ok: false, reason: 'the announced endpoint reference is not the recorded one' };
  const serial = device.serialNumber.trim();
  if (serial !== expected.serial?.trim()) {
    return { ok: false, reason: `serial number "${shownText(serial, 64)}" is not the recorded "${shownText(expected.serial ?? '', 64)}"` };
  }
  if (expected.hardwareId && device.hardwareId.trim() !== expected.hardwareId.trim()) {
    return { ok: false, reason: `hardware id "${shownText(device.hardwareId, 64)}" is not the recorded "${shownText(expected.hardwareId, 64)}"` };
  }
  return { ok: true, device };
}

/**
 * Asks the device at `url` for its identity (GetDeviceInformation, WS-Security or HTTP digest,
 * never the password itself) and compares it with `expected`. Never rejects: a device that cannot
 * be reached or does not answer is a refusal with the reason.
 */
export async function verifyCameraIdentity(req: {
  url: CheckedUrl;
  claimedEpr: string;
  expected: RecordedIdentity;
  credentials: SoapCredentials | undefined;
  timeoutMs: number;
}): Promise<IdentityCheck> {
  if (!req.expected.serial?.trim()) {
    return { ok: false, reason: 'no serial number is recorded for this camera (onvif.serial); run `edge-agent camera add` again to record it' };
  }
  if (req.expected.epr && req.claimedEpr !== req.expected.epr) return compareIdentity(req.expected, req.claimedEpr, emptyDevice());
  try {
    const device = await readDeviceIdentity(req.url, req.credentials, req.timeoutMs);
    return compareIdentity(req.expected, req.claimedEpr, device);
  } catch (err) {
    const reason = err instanceof OnvifError ? err.message : 'the identity check failed unexpectedly';
    return { ok: false, reason: `could not read the device's identity: ${shownText(reason, 300)}`, transient: true };
  }
}

function emptyDevice(): DeviceInfo {
  return { manufacturer: '', model: '', firmwareVersion: '', serialNumber: '', hardwareId: '' };
}
