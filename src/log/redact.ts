import { encodeSecret, splitUserinfo } from '../config/uri.js';

// One redaction for logs, CLI output, MQTT messages and error text. Two layers:
// - structure: the userinfo of any `scheme://user:pass@host` is replaced by ***, cutting at the
//   last '@' so that a password with '@' or '/' in it is hidden whole (see config/uri.ts);
// - values: the secrets the config loaded are remembered, and every text leaving the process
//   (each log line, each fatal message) has them replaced, in the forms they take in URIs and JSON.
//   GStreamer and mqtt.js echo URIs in their own words; only the second layer catches those.

const MASK = '***';
// Shorter secrets are still hidden inside URIs, but not searched for in free text: a 2-character
// password would turn every "tcp" in a log into "t***".
const MIN_SCRUB_LENGTH = 3;
const secrets = new Set<string>();
let pattern: RegExp | undefined;

/** Removes the user and password of a URI (or of every URI in a text); safe on any string. */
export function redactUri(text: string): string {
  if (typeof text !== 'string') return text;
  return scrubSecrets(redactUrisIn(text));
}

/** Remembers a secret value so that scrubSecrets hides it (raw, percent-encoded and JSON-escaped). */
export function rememberSecret(value: string | undefined): void {
  if (!value || value.length < MIN_SCRUB_LENGTH) return;
  let added = false;
  for (const form of formsOf(value)) {
    if (form.length >= MIN_SCRUB_LENGTH && !secrets.has(form)) {
      secrets.add(form);
      added = true;
    }
  }
  if (added) pattern = undefined;
}

/** Remembers the password (and a user name with a password) in a URI's userinfo. */
export function rememberUriSecrets(uri: string): void {
  const parts = splitUserinfo(uri);
  if (parts?.userinfo === undefined) return;
  const colon = parts.userinfo.indexOf(':');
  if (colon < 0) return;
  const raw = parts.userinfo.slice(colon + 1);
  rememberSecret(raw);
  try {
    rememberSecret(decodeURIComponent(raw));
  } catch {
    // Not percent-encoded: the raw form is the secret.
  }
}

/** Replaces every remembered secret in `text` with ***. */
export function scrubSecrets(text: string): string {
  if (secrets.size === 0) return text;
  pattern ??= new RegExp([...secrets].sort((a, b) => b.length - a.length).map(escapeRegExp).join('|'), 'g');
  return text.replace(pattern, MASK);
}

/** Forgets every remembered secret (tests; a process that loads a second config). */
export function forgetSecrets(): void {
  secrets.clear();
  pattern = undefined;
}

/** Every form a secret takes on its way out: raw, in a URI (two encoders), inside JSON text. */
function formsOf(value: string): string[] {
  const forms = new Set([value, encodeSecret(value), encodeURIComponent(value), jsonInner(value)]);
  try {
    const u = new URL('x://h');
    u.password = value;
    forms.add(u.password);
  } catch {
    // The URL parser refused it: the other forms still apply.
  }
  for (const f of [...forms]) forms.add(jsonInner(f));
  return [...forms];
}

function jsonInner(s: string): string {
  return JSON.stringify(s).slice(1, -1);
}

// A URI in free text ends at white space, a quote or an angle bracket; its password may contain
// any of those, and the remembered-secret layer covers that case. A scan from each "://" instead
// of a regular expression: one pass over the text whatever it holds (a regex with an unbounded
// scheme backtracks on a long run of letters, and a log line can be long).
const SCHEME_CHAR = /[a-z0-9+.-]/i;
const LETTER = /[a-z]/i;
const URI_END = /[\s"'<>`]/;

/** Removes the userinfo of every URI in a text, without the remembered-secret layer. */
export function stripUserinfo(text: string): string {
  return redactUrisIn(text);
}

function redactUrisIn(text: string): string {
  let out = '';
  let done = 0; // text before this index is already in `out`
  let floor = 0; // no scheme starts before this index (the end of the previous URI)
  for (let sep = text.indexOf('://'); sep >= 0; sep = text.indexOf('://', Math.max(sep + 3, floor))) {
    let start = sep;
    while (start > floor && SCHEME_CHAR.test(text[start - 1]!)) start--;
    while (start < sep && !LETTER.test(text[start]!)) start++;
    let end = sep + 3;
    while (end < text.length && !URI_END.test(text[end]!)) end++;
    // A later "://" before `end` belongs to this URI: its userinfo would be a part of this one's.
    floor = end;
    // A file URI carries a path, never credentials: keep `file:///clips/gate@night.mp4` readable.
    if (start === sep || text.slice(start, sep).toLowerCase() === 'file') continue;
    let at = end - 1;
    while (at >= sep + 3 && text[at] !== '@') at--;
    if (at < sep + 3) continue;
    out += `${text.slice(done, sep + 3)}${MASK}`;
    done = at;
  }
  return done === 0 ? text : out + text.slice(done);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
