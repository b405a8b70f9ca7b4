import { digestAuthorization, parseDigestChallenge, type DigestChallenge } from './httpDigest.js';
import { shownText } from './deviceUrl.js';
import {
  CameraUnreachableError,
  CredentialsRequiredError,
  NotOnvifError,
  OnvifAuthError,
  OnvifClockError,
  OnvifFaultError,
  OnvifReplyError,
  OnvifTimeoutError,
} from './onvifErrors.js';
import { makeUsernameToken, securityHeaderXml } from './wsSecurity.js';
import { child, MAX_XML_BYTES, parseXml, text, XmlSyntaxError, type XmlNode } from './xml.js';

// The one module that speaks SOAP to cameras. Written on fetch + fast-xml-parser rather than the
// `onvif` package because probing needs what that package does not give: a distinct error for each
// failure (it reports most as a plain Error string, and waits 120 s by default), a single clock
// offset under our control (it derives its own from process.uptime()), HTTP digest and WS-Security
// decided per camera, and replies read by local name whatever the vendor's namespace prefixes.

export const NS = {
  s: 'http://www.w3.org/2003/05/soap-envelope',
  tds: 'http://www.onvif.org/ver10/device/wsdl',
  trt: 'http://www.onvif.org/ver10/media/wsdl',
  tr2: 'http://www.onvif.org/ver20/media/wsdl',
  tt: 'http://www.onvif.org/ver10/schema',
  tev: 'http://www.onvif.org/ver10/events/wsdl',
  wsnt: 'http://docs.oasis-open.org/wsn/b-2',
  wsa: 'http://www.w3.org/2005/08/addressing',
} as const;

/** Credentials for a camera. The password is only ever used to compute digests. */
export interface SoapCredentials {
  user: string;
  password: string;
}

export interface SoapClientOptions {
  /** Per request, including reading the reply. */
  timeoutMs: number;
  credentials?: SoapCredentials;
}

/** One SOAP request: the action URI (for the Content-Type) and the body's inner XML. */
export interface SoapRequest {
  action: string;
  body: string;
  /** Whether to authenticate; GetSystemDateAndTime must work before we know the clock. */
  auth?: boolean;
  /** Extra SOAP header elements (e.g. WS-Addressing To for a pull point). */
  header?: string;
  /** Overrides the client timeout (PullMessages waits longer on purpose). */
  timeoutMs?: number;
  /** Aborts the request (stop() of a long-running user); surfaces as OnvifTimeoutError. */
  signal?: AbortSignal;
}

/**
 * SOAP 1.2 over HTTP to one camera. `clockOffsetMs` (camera clock − ours) is applied to every
 * WS-Security timestamp; set it after GetSystemDateAndTime. Calls may run concurrently.
 */
export class SoapClient {
  clockOffsetMs = 0;
  /** Set once the camera answered 401 with a Digest challenge: later calls answer it directly. */
  httpDigest: DigestChallenge | undefined;
  private nc = 0;

  constructor(
    readonly deviceUrl: string,
    private readonly options: SoapClientOptions,
  ) {}

  /** Sends a request to `url` and returns the first element of the SOAP Body. */
  async call(url: string, req: SoapRequest): Promise<XmlNode> {
    // Service addresses come from the camera; they are checked where they are read, and again here
    // so that no caller can turn a bad one into a TypeError from fetch.
    if (!/^https?:\/\//i.test(url) || !URL.canParse(url)) throw new OnvifReplyError(this.deviceUrl, `invalid service address "${shownText(url, 80)}"`);
    const creds = req.auth === false ? undefined : this.options.credentials;
    const envelope = this.envelope(req, creds);
    let res = await this.post(url, req, envelope, creds);
    if (res.status === 401 && creds) {
      const challenge = parseDigestChallenge(res.headers.get('www-authenticate'));
      if (challenge) {
        this.httpDigest = challenge;
        this.nc = 0;
        res = await this.post(url, req, envelope, creds);
      }
    }
    return this.readReply(url, res, creds, req.timeoutMs ?? this.options.timeoutMs);
  }

  private envelope(req: SoapRequest, creds: SoapCredentials | undefined): string {
    const security = creds ? securityHeaderXml(makeUsernameToken(creds.user, creds.password, this.clockOffsetMs)) : '';
    const ns = Object.entries(NS).map(([p, u]) => `xmlns:${p}="${u}"`).join(' ');
    return `<?xml version="1.0" encoding="UTF-8"?><s:Envelope ${ns}><s:Header>${security}${req.header ?? ''}</s:Header><s:Body>${req.body}</s:Body></s:Envelope>`;
  }

  private async post(url: string, req: SoapRequest, body: string, creds: SoapCredentials | undefined): Promise<Response> {
    const timeoutMs = req.timeoutMs ?? this.options.timeoutMs;
    const headers: Record<string, string> = { 'content-type': `application/soap+xml; charset=utf-8; action="${req.action}"` };
    if (creds && this.httpDigest) {
      const u = new URL(url);
      const path = u.pathname + u.search;
      headers['authorization'] = digestAuthorization(this.httpDigest, { method: 'POST', uri: path, ...creds, nc: ++this.nc });
    }
    try {
      const timeout = AbortSignal.timeout(timeoutMs);
      const signal = req.signal ? AbortSignal.any([timeout, req.signal]) : timeout;
      // No redirects: a redirect would carry our credentials' digests to an address nobody checked.
      return await fetch(url, { method: 'POST', headers, body, signal, redirect: 'manual' });
    } catch (err) {
      throw this.networkError(err, timeoutMs);
    }
  }

  private networkError(err: unknown, timeoutMs: number): Error {
    const e = err as { name?: string; cause?: { code?: string; message?: string } };
    if (e.name === 'TimeoutError' || e.name === 'AbortError') return new OnvifTimeoutError(this.deviceUrl, timeoutMs, { cause: err });
    const code = e.cause?.code ?? e.cause?.message ?? String(err);
    return new CameraUnreachableError(this.deviceUrl, code, { cause: err });
  }

  private async readReply(url: string, res: Response, creds: SoapCredentials | undefined, timeoutMs: number): Promise<XmlNode> {
    let body: string;
    try {
      body = await readBounded(res, MAX_XML_BYTES, this.deviceUrl);
    } catch (err) {
      if (err instanceof OnvifReplyError) throw err;
      const e = this.networkError(err, timeoutMs);
      if (e instanceof OnvifTimeoutError) throw e;
      throw new OnvifReplyError(this.deviceUrl, 'the connection closed in the middle of the reply', { cause: err });
    }
    return readSoapReply({ address: this.deviceUrl, url, status: res.status, contentType: res.headers.get('content-type'), body, creds, clockOffsetMs: this.clockOffsetMs });
  }
}

/** A received SOAP reply, before it is read. */
export interface SoapReplyText {
  /** Device service URL, for messages. */
  address: string;
  /** Where the request went. */
  url: string;
  status: number;
  contentType: string | null;
  body: string;
  /** The credentials the request carried, if any (decides between "rejected" and "needs credentials"). */
  creds: SoapCredentials | undefined;
  clockOffsetMs: number;
}

/**
 * Reads a reply into the first element of its SOAP Body, or throws the OnvifError subclass that
 * says what is wrong (not SOAP, malformed, a fault, credentials refused or missing). Pure: the
 * fuzz tests feed it directly.
 */
export function readSoapReply(r: SoapReplyText): XmlNode {
  const { address, status, creds } = r;
  if (!/Envelope/.test(r.body)) {
    if (status === 401) throw creds ? new OnvifAuthError(address, creds.user) : new CredentialsRequiredError(address);
    const type = shownText((r.contentType ?? 'no content type').split(';')[0]!, 60);
    throw new NotOnvifError(address, `HTTP ${status}, ${type} without a SOAP envelope from ${shownText(r.url, 120)}`);
  }
  let doc: XmlNode;
  try {
    doc = parseXml(r.body);
  } catch (err) {
    const detail = err instanceof XmlSyntaxError ? `${err.detail}; the reply may be truncated` : 'not readable as XML';
    throw new OnvifReplyError(address, detail, { cause: err });
  }
  const bodyNode = child(doc, 'Envelope', 'Body');
  if (!bodyNode || typeof bodyNode !== 'object') throw new OnvifReplyError(address, 'SOAP envelope without a Body');
  const fault = child(bodyNode, 'Fault');
  if (fault !== undefined) throw faultError(r, fault);
  if (status === 401) throw creds ? new OnvifAuthError(address, creds.user) : new CredentialsRequiredError(address);
  const first = Object.entries(bodyNode).find(([k]) => !k.startsWith('@_') && k !== '#text');
  if (!first || typeof first[1] !== 'object' || first[1] === null) throw new OnvifReplyError(address, 'empty SOAP Body');
  const element = Array.isArray(first[1]) ? (first[1][0] as unknown) : first[1];
  if (!element || typeof element !== 'object') throw new OnvifReplyError(address, 'empty SOAP Body');
  return element as XmlNode;
}

function faultError(r: SoapReplyText, fault: unknown): Error {
  const codes = faultCodes(fault);
  const reason = text(fault, 'Reason', 'Text') ?? text(fault, 'faultstring') ?? '';
  const all = `${codes.join(' ')} ${reason}`;
  if (/MessageExpired|expired|timestamp|clock/i.test(all)) return new OnvifClockError(r.address, r.clockOffsetMs);
  if (r.status === 401 || /NotAuthorized|FailedAuthentication|InvalidSecurity|Unauthorized|not ?authori[sz]ed/i.test(all)) {
    if (r.creds) return new OnvifAuthError(r.address, r.creds.user);
    if (r.status === 401) return new CredentialsRequiredError(r.address);
  }
  return new OnvifFaultError(r.address, shownText(codes.at(-1) ?? `HTTP ${r.status}`, 80), shownText(reason, 200));
}

/** Code, then each nested Subcode value (SOAP 1.2), or the SOAP 1.1 faultcode. */
function faultCodes(fault: unknown): string[] {
  const out: string[] = [];
  let code = child(fault, 'Code');
  while (code) {
    const v = text(code, 'Value');
    if (v) out.push(v);
    code = child(code, 'Subcode');
  }
  const old = text(fault, 'faultcode');
  if (old) out.push(old);
  return out;
}

/** The reply body as text, refusing more than `maxBytes` (a hostile or broken device may never stop). */
async function readBounded(res: Response, maxBytes: number, address: string): Promise<string> {
  const declared = Number(res.headers.get('content-length'));
  if (declared > maxBytes) {
    await res.body?.cancel().catch(() => undefined);
    throw new OnvifReplyError(address, `reply of ${declared} bytes, more than the ${maxBytes} accepted`);
  }
  if (!res.body) return '';
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > maxBytes) throw new OnvifReplyError(address, `reply longer than the ${maxBytes} bytes accepted`);
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks).toString('utf8');
}
