// Stream, recording and broker URIs carry passwords. People paste them with the password as typed
// (`rtsp://admin:p@ss/w@cam/stream`), where a URL parser sees user `admin`, password `p`, host `ss`.
// Everything here splits credentials off first, taking the userinfo to end at the LAST '@' of the
// part after `scheme://`, and only then hands the rest to the WHATWG URL parser. That reading can
// only ever hide too much, never too little, which is what redaction needs; the config loader
// then insists that the URL parser alone reads the URI the same way, so that every later
// `new URL(source)` sees exactly the intended user, password and host.

const SCHEME = /^([a-z][a-z0-9+.-]*:\/\/)/i;

/** A URI cut in three: `scheme://`, the raw userinfo (undefined when there is no '@'), the rest. */
export interface UriParts {
  scheme: string;
  userinfo: string | undefined;
  rest: string;
}

/** Splits `scheme://userinfo@rest` at the last '@'; undefined when the text does not start with a scheme. */
export function splitUserinfo(uri: string): UriParts | undefined {
  const m = SCHEME.exec(uri);
  if (!m) return undefined;
  const scheme = m[1]!;
  const after = uri.slice(scheme.length);
  const at = after.lastIndexOf('@');
  if (at < 0) return { scheme, userinfo: undefined, rest: after };
  return { scheme, userinfo: after.slice(0, at), rest: after.slice(at + 1) };
}

/** A URI that the WHATWG URL parser reads as intended: credentials decoded, host and port checked. */
export interface CheckedUri {
  url: URL;
  /** Decoded user name ('' when none). */
  username: string;
  /** Decoded password ('' when none). */
  password: string;
}

/** Why a URI was refused, in words for the operator; the message never contains the password. */
export class UriProblem {
  constructor(readonly message: string) {}
}

/**
 * Parses a URI with credentials the way every consumer will (`new URL`), and refuses it when that
 * reading differs from the intended one: a password with an unencoded '@', '/', '?', '#' or ':' in
 * it, a bad percent-escape, a missing host or a port out of range.
 */
export function checkUri(uri: string, schemes: readonly string[]): CheckedUri | UriProblem {
  const parts = splitUserinfo(uri);
  const scheme = parts?.scheme.slice(0, -3).toLowerCase();
  if (!parts || !scheme || !schemes.includes(scheme)) {
    return new UriProblem(`must start with ${schemes.map((s) => `${s}://`).join(', ')}`);
  }
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return new UriProblem(`is not a valid URI: check the host and port; if it holds a password, ${ENCODE_HINT}`);
  }
  if (scheme !== 'file' && url.hostname === '') return new UriProblem('has no host');
  const [user, pass] = splitPair(parts.userinfo);
  const intended = { username: decodeOr(user), password: decodeOr(pass) };
  if (intended.username === undefined || intended.password === undefined) {
    return new UriProblem(`has a "%" that is not a percent-escape in its user or password; ${ENCODE_HINT}`);
  }
  let parsed: { username: string; password: string };
  try {
    parsed = { username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) };
  } catch {
    return new UriProblem(`has a bad percent-escape in its user or password; ${ENCODE_HINT}`);
  }
  // The parser cut the userinfo somewhere else than the last '@': an unencoded reserved character.
  if (parsed.username !== intended.username || parsed.password !== intended.password) {
    return new UriProblem(`its user or password contains a character that must be percent-encoded (@ / ? # : % and spaces); ${ENCODE_HINT}`);
  }
  return { url, ...parsed };
}

const ENCODE_HINT =
  'percent-encode the password (@ is %40, / is %2F, : is %3A, # is %23, ? is %3F, % is %25), or better write ${NAME} in its place and put NAME: <password> in secrets_file';

function splitPair(userinfo: string | undefined): [string, string] {
  if (userinfo === undefined) return ['', ''];
  const colon = userinfo.indexOf(':');
  return colon < 0 ? [userinfo, ''] : [userinfo.slice(0, colon), userinfo.slice(colon + 1)];
}

function decodeOr(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

/**
 * Percent-encodes a secret for the userinfo, query or fragment of a URI: everything but
 * unreserved characters, so that any password survives any URL parser.
 */
export function encodeSecret(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
