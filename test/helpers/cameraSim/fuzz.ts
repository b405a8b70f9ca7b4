// Seeded mutations of recorded replies and datagrams, for the fuzz tests. One seed drives a whole
// run: the test prints it, and FUZZ_SEED=<n> replays exactly the same inputs.
import { Rng } from '../fuzz.js';

// The generator is the shared one (test/helpers/fuzz.ts): same seed, same inputs.
export { Rng };

/** The run's seed: FUZZ_SEED when set, else a fresh one. The caller prints it. */
export function fuzzSeed(): number {
  const env = process.env['FUZZ_SEED'];
  if (env !== undefined && /^\d+$/.test(env)) return Number(env) >>> 0;
  return (Math.random() * 2 ** 32) >>> 0;
}

/** Text that must never reach a user: a raw JavaScript error instead of a sentence. */
export const RAW_ERROR = /TypeError|RangeError|ReferenceError|SyntaxError: |Invalid URL|Invalid time value|Maximum call stack|undefined is not|Cannot read prop/;

const BAD_URLS = [
  '0', 'http://[', '#', 'http://', '/x', 'htt', 'h', 'javascript:alert(1)', 'http://user:pw@10.0.0.9/', 'http://%zz/',
  'http://[::1', 'file:///etc/passwd', 'http://127.0.0.1:99999/', 'http://a b/', 'http://\u0000/', 'urn:uuid:', '', ' ',
  'http://169.254.1.1/onvif/device_service', 'https://[fe80::1]:8443/x', 'http://' + 'a'.repeat(3000) + '/',
];
const BAD_NUMBERS = ['-2147483649', '2147483648', '1e400', '-1e400', '99999999999999999999999', 'NaN', '-0', '0x10', '', ' ', '1.5', '+7', '٣'];
const TAG_NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'Envelope', 'Body', 'Fault', 'Profiles', 'XAddrs', 'x'];


type Mutation = (text: string, r: Rng) => string;

/** Where the element texts are: >text< spans, so a mutation can replace one. */
function textSpans(text: string): [number, number][] {
  const out: [number, number][] = [];
  for (const m of text.matchAll(/>([^<>]+)</g)) out.push([m.index! + 1, m.index! + 1 + m[1]!.length]);
  return out;
}

function replaceText(text: string, r: Rng, value: (old: string) => string, filter: (old: string) => boolean = () => true): string {
  const spans = textSpans(text).filter(([a, b]) => filter(text.slice(a, b)));
  if (spans.length === 0) return text;
  const [a, b] = r.pick(spans);
  return text.slice(0, a) + value(text.slice(a, b)) + text.slice(b);
}

const MUTATIONS: Record<string, Mutation> = {
  byteFlip: (t, r) => {
    const chars = [...t];
    for (let i = 1 + r.int(8); i > 0 && chars.length > 0; i--) chars[r.int(chars.length)] = String.fromCharCode(r.int(256));
    return chars.join('');
  },
  truncate: (t, r) => t.slice(0, r.int(t.length)),
  deepNesting: (t, r) => {
    // Mostly a few hundred levels; now and then thousands (the parser's own limit is what is tested).
    const n = r.next() < 0.05 ? 2000 + r.int(3000) : 20 + r.int(400);
    return replaceText(t, r, (old) => '<n>'.repeat(n) + old + '</n>'.repeat(n));
  },
  entityExpansion: (t, r) => {
    const lol = '<!DOCTYPE e [<!ENTITY a "aaaaaaaaaa">' + Array.from({ length: 9 }, (_, i) => `<!ENTITY ${'b'.repeat(i + 1)} "${`&${i === 0 ? 'a' : 'b'.repeat(i)};`.repeat(10)}">`).join('') + ']>';
    const body = replaceText(t, r, () => r.pick(['&bbbbbbbbb;', '&a;', '&#x0;', '&#xFFFFFFFF;', '&#99999999;', '&unknown;', '&amp;&lt;&gt;']));
    return r.next() < 0.5 ? body.replace(/^(<\?xml[^>]*\?>)?/, (decl) => decl + lol) : body;
  },
  hugeNumber: (t, r) => replaceText(t, r, () => r.pick(BAD_NUMBERS), (old) => /^\s*[-+]?\d/.test(old) || r.next() < 0.2),
  hugeString: (t, r) => replaceText(t, r, () => r.pick(['A', 'é', '\u0000', '<', '%', ' ']).repeat(r.next() < 0.05 ? 60_000 : 500 + r.int(4000))),
  wrongType: (t, r) => replaceText(t, r, () => r.pick(['<x><y>1</y><y>2</y></x>', '<Address/>', 'true', '<Uri>a</Uri><Uri>b</Uri>', '<![CDATA[<a>]]>', '<!-- -->'])),
  badUrl: (t, r) => {
    const urls = [...t.matchAll(/(?:https?|rtsp|urn):[^\s<"]*/g)];
    if (urls.length === 0) return replaceText(t, r, () => r.pick(BAD_URLS));
    const m = r.pick(urls);
    return t.slice(0, m.index!) + r.pick(BAD_URLS) + t.slice(m.index! + m[0].length);
  },
  duplicate: (t, r) => {
    const els = [...t.matchAll(/<(\w+:)?(\w+)[^>]*>[^<]*<\/\1?\2>/g)];
    if (els.length === 0) return t;
    const m = r.pick(els);
    return t.slice(0, m.index!) + m[0].repeat(2 + r.int(20)) + t.slice(m.index!);
  },
  renameTag: (t, r) => {
    const tags = [...t.matchAll(/<(\/?)(\w+:)?(\w+)/g)];
    if (tags.length === 0) return t;
    const name = r.pick(TAG_NAMES);
    const m = r.pick(tags);
    const target = m[3]!;
    return t.replace(new RegExp(`(</?(?:\\w+:)?)${target}\\b`, 'g'), `$1${name}`);
  },
  dropElement: (t, r) => {
    const els = [...t.matchAll(/<(\w+:)?(\w+)[^>]*>[^<]*<\/\1?\2>/g)];
    if (els.length === 0) return t;
    const m = r.pick(els);
    return t.slice(0, m.index!) + t.slice(m.index! + m[0].length);
  },
  attributes: (t, r) => t.replace(/<(\w+:)?(\w+)/, (m) => `${m} ${r.pick(['token', 'Value', '__proto__', 'UtcTime'])}="${r.pick([...BAD_NUMBERS, ...BAD_URLS.slice(0, 8)])}"`),
};

export const MUTATION_NAMES = Object.keys(MUTATIONS);

/** One to three mutations of `text`; `applied` names them (for a failure message). */
export function mutate(text: string, r: Rng): { text: string; applied: string[] } {
  const applied: string[] = [];
  let out = text;
  for (let n = 1 + r.int(3); n > 0; n--) {
    const name = r.pick(MUTATION_NAMES);
    applied.push(name);
    out = MUTATIONS[name]!(out, r);
  }
  return { text: out, applied };
}
