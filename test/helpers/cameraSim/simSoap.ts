import type { IncomingMessage } from 'node:http';
import { child, int, parseXml, text, type XmlNode } from '../../../src/discovery/xml.js';
import type { SimAuth } from './simAuth.js';
import type { SimEvents } from './simEvents.js';
import { dateVars, render } from './templates.js';
import type { VendorSpec } from './vendors.js';

// Request routing of the simulated device service: one SOAP operation in, one templated reply out.

export interface SimState {
  vendor: VendorSpec;
  auth: SimAuth;
  events: SimEvents;
  /** http://host:port of the device as it advertises itself. */
  base: () => string;
  serial: string;
  /** The camera's own clock (may be skewed), epoch ms. */
  cameraNow: () => number;
  /** What GetSystemDateAndTime reports (differs from cameraNow on buggy firmware). */
  reportedNow: () => number;
  rtsp: { h264: string; h265: string };
  refuseStreamUri: boolean;
  /** Overrides the vendor's HardwareId. */
  hardwareId?: string;
  quirks: SimQuirks;
  /** Operations received, in order (for tests). */
  log: string[];
  /** Every request as received (for tests that check what a client sent). */
  requests: { headers: Record<string, string | string[] | undefined>; body: string }[];
}

/** Firmware behaviour seen on real cameras that the plain simulator does not show. */
export interface SimQuirks {
  /** GetSystemDateAndTime with LocalDateTime and TimeZone (UTC+7) only, no UTCDateTime. */
  localTimeOnly?: boolean;
  /** A request without any credentials gets HTTP 401, a Digest challenge and an empty body. */
  emptyChallenge?: boolean;
  /** Media2 GetProfiles lists profiles without a video encoder (Media1 has the video ones). */
  media2WithoutVideo?: boolean;
  /** GetServices names this address for the Media2 service. */
  media2Address?: string;
  /** CreatePullPointSubscription answers with this address. */
  pullPointAddress?: string;
  /** "user:password" the firmware writes into the stream and snapshot URIs it returns. */
  uriCredentials?: string;
}

/** The zone of the localTimeOnly quirk: CST-7:00:00 in POSIX terms, UTC+7. */
export const SIM_LOCAL_ZONE_MS = 7 * 3_600_000;

export interface SimReply {
  /** The operation answered, when the request was readable (for reply rewriting in tests). */
  op?: string;
  status: number;
  body: string;
  headers?: Record<string, string>;
}

const OPEN = new Set(['GetSystemDateAndTime']);

/** Handles one POST. Never throws: malformed requests get a SOAP fault like a camera sends. */
export async function handleSoap(state: SimState, req: IncomingMessage, bodyText: string): Promise<SimReply> {
  state.requests.push({ headers: { ...req.headers }, body: bodyText });
  if (state.quirks.emptyChallenge && !req.headers.authorization && !/UsernameToken/.test(bodyText)) {
    return { status: 401, body: '', headers: { 'www-authenticate': state.auth.wwwAuthenticate() } };
  }
  let envelope: XmlNode;
  try {
    envelope = parseXml(bodyText);
  } catch {
    return fault(500, 'FaultActionNotSupported');
  }
  const body = child(envelope, 'Envelope', 'Body');
  const op = Object.keys((body as XmlNode) ?? {}).find((k) => !k.startsWith('@_')) ?? '';
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  state.log.push(`${path} ${op}`);
  if (!OPEN.has(op)) {
    const verdict = state.auth.check(req, envelope, state.cameraNow());
    if (verdict === 'challenge') return { status: 401, body: 'Unauthorized', headers: { 'www-authenticate': state.auth.wwwAuthenticate() } };
    if (verdict === 'stale') return fault(400, 'FaultMessageExpired');
    if (verdict === 'bad-password') return fault(400, 'FaultNotAuthorized');
  }
  return { ...(await route(state, path, op, child(body, op))), op };
}

async function route(state: SimState, path: string, op: string, request: unknown): Promise<SimReply> {
  const v = state.vendor;
  const dir = v.id;
  const media2 = v.paths.media2 !== undefined && path === v.paths.media2;
  switch (op) {
    case 'GetSystemDateAndTime':
      if (state.quirks.localTimeOnly) return ok(render(dir, 'GetSystemDateAndTimeLocal', dateVars(state.reportedNow() + SIM_LOCAL_ZONE_MS)));
      return ok(render(dir, op, dateVars(state.reportedNow())));
    case 'GetDeviceInformation':
      return ok(render(dir, op, { serial: state.serial }).replace(/(<\w+:HardwareId>)[^<]*</, (_m, open: string) => (state.hardwareId === undefined ? _m : `${open}${state.hardwareId}<`)));
    case 'GetServices':
    case 'GetCapabilities': {
      const reply = render(dir, op, { base: state.base() });
      const media2 = state.quirks.media2Address;
      return ok(media2 === undefined ? reply : reply.replace(`${state.base()}/onvif/Media2<`, `${media2}<`));
    }
    case 'GetProfiles':
      if (media2 && state.quirks.media2WithoutVideo) return ok(render(dir, 'Media2GetProfilesNoVideo', {}));
      return ok(render(dir, media2 ? 'Media2GetProfiles' : 'GetProfiles', {}));
    case 'GetProfile': {
      const one = media2 ? undefined : singleProfile(render(dir, 'GetProfiles', {}), text(request, 'ProfileToken') ?? '');
      return one ? ok(one) : fault(400, 'FaultNoProfile');
    }
    case 'GetStreamUri':
    case 'GetSnapshotUri':
      return uriReply(state, op, media2, text(request, 'ProfileToken') ?? '');
    case 'CreatePullPointSubscription':
    case 'PullMessages':
    case 'Renew':
    case 'Unsubscribe':
      return eventReply(state, path, op, request);
    default:
      return fault(500, 'FaultActionNotSupported');
  }
}

function uriReply(state: SimState, op: string, media2: boolean, token: string): SimReply {
  const mount = state.vendor.streams[token];
  if (!mount) return fault(400, 'FaultStreamUriRefused');
  if (op === 'GetStreamUri' && state.refuseStreamUri) return fault(400, 'FaultStreamUriRefused');
  const plain = op === 'GetStreamUri' ? state.rtsp[mount] : state.base() + state.vendor.snapshotPath(token);
  const creds = state.quirks.uriCredentials;
  const uri = creds ? plain.replace(/^(\w+:\/\/)/, `$1${creds}@`) : plain;
  return ok(render(state.vendor.id, media2 ? `Media2${op}` : op, { uri }));
}

async function eventReply(state: SimState, path: string, op: string, request: unknown): Promise<SimReply> {
  const now = state.cameraNow();
  const times = (id: string) => ({ now: new Date(now).toISOString(), termination: new Date(state.events.terminationOf(id)).toISOString() });
  if (op === 'CreatePullPointSubscription') {
    const id = state.events.create(now);
    const address = state.quirks.pullPointAddress ?? `${state.base()}/onvif/pullpoint/${id}`;
    return ok(render('common', op, { address, ...times(id) }));
  }
  const id = /\/onvif\/pullpoint\/([\w-]+)$/.exec(path)?.[1] ?? '';
  if (!state.events.has(id)) return fault(500, 'FaultNoSubscription');
  if (op === 'Renew') {
    state.events.renew(id, now);
    return ok(render('common', op, times(id)));
  }
  if (op === 'Unsubscribe') {
    state.events.remove(id);
    return ok(render('common', op, {}));
  }
  const waitMs = Math.min(durationMs(text(request, 'Timeout')) ?? 1000, 2000);
  const messages = await state.events.pull(id, waitMs, int(request, 'MessageLimit') ?? 10);
  return ok(render('common', op, { ...times(id), messages: messages.join('') }, ['messages']));
}

/**
 * Media1 GetProfile, cut out of the vendor's GetProfiles reply so that both always agree:
 * <x:GetProfilesResponse><x:Profiles token=T>…</x:Profiles>… → <x:GetProfileResponse><x:Profile token=T>….
 */
function singleProfile(all: string, token: string): string | undefined {
  const res = /<(\w+):GetProfilesResponse>([\s\S]*)<\/\1:GetProfilesResponse>/.exec(all);
  if (!res) return undefined;
  const p = res[1]!;
  const profile = new RegExp(`<${p}:Profiles\\b[^>]*token="${token.replace(/\W/g, '')}"[\\s\\S]*?</${p}:Profiles>`).exec(res[2]!);
  if (!profile) return undefined;
  const renamed = profile[0].replace(new RegExp(`(</?${p}:)Profiles\\b`, 'g'), '$1Profile');
  return all.replace(res[0], `<${p}:GetProfileResponse>${renamed}</${p}:GetProfileResponse>`);
}

/** PT5S, PT1M, PT0.5S → ms. */
function durationMs(d: string | undefined): number | undefined {
  const m = d ? /^PT(?:(\d+)M)?(?:([\d.]+)S)?$/.exec(d) : null;
  return m ? (Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0)) * 1000 : undefined;
}

function ok(body: string): SimReply {
  return { status: 200, body };
}

function fault(status: number, name: string): SimReply {
  return { status, body: render('common', name, {}) };
}
