// A seeded generator of hostile inputs for fuzz tests.
//
// Every fuzz test draws its inputs from one seed, printed at the start, so a failure can be replayed
// with FUZZ_SEED=<seed> (or a per-surface FUZZ_SEED_<SURFACE>). Inputs are counted, never timed: a
// test runs a fixed number of them, and a hang shows up as the test timing out, not as a flaky
// threshold.

/** Any text a user reads (ConfigError text, a log line, an MQTT response) must not carry these. */
export const RAW_JS_ERROR = /\b(TypeError|RangeError|ReferenceError|SyntaxError|InternalError)\b|Cannot read propert|is not a function|is not iterable|Maximum call stack|Invalid time value|Invalid URL/;

/** Throws with the offending text when `text` shows a raw JavaScript error instead of a message. */
export function assertNoRawJsError(text: string, context = ''): void {
  const m = RAW_JS_ERROR.exec(text);
  if (m) throw new Error(`raw JavaScript error "${m[0]}" reached a user-facing message${context ? ` (${context})` : ''}: ${text.slice(0, 500)}`);
}

/**
 * The seed for one fuzz surface: FUZZ_SEED_<SURFACE> or FUZZ_SEED from the environment, else a
 * fresh one. Printed either way, so the run can be replayed.
 */
export function fuzzSeed(surface: string): number {
  const key = `FUZZ_SEED_${surface.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}`;
  const raw = process.env[key] ?? process.env.FUZZ_SEED;
  const seed = raw !== undefined && raw !== '' ? Number(raw) >>> 0 : (Math.random() * 2 ** 32) >>> 0;
  console.log(`fuzz ${surface}: seed ${seed} (replay with ${key}=${seed})`);
  return seed;
}

/** A small, fast, seedable PRNG (mulberry32). Same seed, same sequence, on every platform. */
export class Rng {
  private state: number;
  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }
  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** An integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(items.length)]!;
  }
  bytes(n: number): Buffer {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }
  /** A short string of printable ASCII, punctuation that matters to parsers, and some non-ASCII. */
  word(maxLen = 12): string {
    const alphabet = 'abcXYZ019 _-./:@%#?&=+"\'<>{}[]\\,;!*$~`|\t\nééü中🙂\u0000\u202e';
    const chars = [...alphabet];
    let s = '';
    const n = this.range(0, maxLen);
    for (let i = 0; i < n; i++) s += this.pick(chars);
    return s;
  }
}

// ---------------------------------------------------------------------------------------------
// Building blocks of hostile values.

/** URL-ish strings that break naive parsing (new URL throws on many; others parse surprisingly). */
export const BAD_URLS: readonly string[] = [
  '', '0', '#', '/x', 'h', 'htt', 'http://', 'http://[', 'http://[::1', 'http://:80', 'http://a:b@', 'http://a b/',
  'rtsp://in:cp', 'rtsp://user:p@ss/w@host/x', 'rtsp://user:p%ZZ@host/', 'rtsp://:@/', 'rtsp://host:99999/',
  'rtsp://host:-1/', 'mqtt://', 'mqtts://[fe80::1%25eth0]:8883', 'file:///etc/passwd', 'javascript:alert(1)',
  'http://127.0.0.1:80/\u0000', 'http://例え.テスト/', 'http://xn--/', '//host/path', 'http:/x', 'http:\\\\host\\x',
  'rtsp://u:pw@127.0.0.1:554/stream?x=%', `http://${'a'.repeat(70_000)}/`, 'http://1.2.3.4.5/', 'ws://127.0.0.1:1/',
];

/** Numbers (as text) that overflow, underflow or are not numbers at all. */
export const HUGE_NUMBERS: readonly string[] = [
  '-2147483649', '2147483648', '4294967296', '9007199254740993', '-9007199254740993', '1e308', '1e309', '-1e309',
  '5e-324', '1e-400', 'NaN', 'Infinity', '-Infinity', '-0', '0x7fffffff', '0b101', '1_000', '.', '-', '+', '1e', '9'.repeat(400),
];

/** Values of the wrong JSON type for any field. */
export function wrongTypes(rng: Rng): unknown[] {
  return [null, true, false, 0, -1, 1.5, '', rng.word(), [], [rng.word()], {}, { x: 1 }, 1e308, -1e308, 'x'.repeat(rng.range(1, 5000))];
}

/** `depth` nested arrays or objects around `inner` (JSON text). */
export function deepJson(depth: number, kind: 'array' | 'object' = 'array', inner = '0'): string {
  return kind === 'array' ? '['.repeat(depth) + inner + ']'.repeat(depth) : '{"a":'.repeat(depth) + inner + '}'.repeat(depth);
}

/** A YAML "billion laughs": each level refers to the previous one `fanout` times. */
export function yamlAliasBomb(levels: number, fanout = 9): string {
  const lines = ['a0: &a0 [lol]'];
  for (let i = 1; i <= levels; i++) lines.push(`a${i}: &a${i} [${Array(fanout).fill(`*a${i - 1}`).join(', ')}]`);
  return lines.join('\n') + '\n';
}

/** An XML "billion laughs": entities that expand `fanout` times per level. */
export function xmlEntityBomb(levels: number, fanout = 10, root = 'Envelope'): string {
  const ents = ['<!ENTITY e0 "lol">'];
  for (let i = 1; i <= levels; i++) ents.push(`<!ENTITY e${i} "${Array(fanout).fill(`&e${i - 1};`).join('')}">`);
  return `<?xml version="1.0"?>\n<!DOCTYPE ${root} [\n${ents.join('\n')}\n]>\n<${root}>&e${levels};</${root}>`;
}

// ---------------------------------------------------------------------------------------------
// Mutations of a seed input (text or bytes). Each returns a new value; the seed is never changed.

export type Mutation = (input: Buffer, rng: Rng) => Buffer;

/** Flip 1..8 random bits. */
export const flipBits: Mutation = (input, rng) => {
  const out = Buffer.from(input);
  if (out.length === 0) return out;
  for (let i = rng.range(1, 8); i > 0; i--) {
    const at = rng.int(out.length);
    out[at] = out[at]! ^ (1 << rng.int(8));
  }
  return out;
};

/** Replace 1..4 bytes with random bytes. */
export const randomBytes: Mutation = (input, rng) => {
  const out = Buffer.from(input);
  if (out.length === 0) return rng.bytes(rng.range(1, 16));
  for (let i = rng.range(1, 4); i > 0; i--) out[rng.int(out.length)] = rng.int(256);
  return out;
};

/** Cut at a random point (possibly inside a multi-byte character). */
export const truncate: Mutation = (input, rng) => input.subarray(0, rng.int(input.length + 1));

/** Delete a random slice. */
export const deleteSlice: Mutation = (input, rng) => {
  if (input.length === 0) return input;
  const a = rng.int(input.length);
  const b = Math.min(input.length, a + rng.range(1, 64));
  return Buffer.concat([input.subarray(0, a), input.subarray(b)]);
};

/** Repeat a random slice 2..200 times in place. */
export const duplicateSlice: Mutation = (input, rng) => {
  if (input.length === 0) return input;
  const a = rng.int(input.length);
  const slice = input.subarray(a, Math.min(input.length, a + rng.range(1, 32)));
  return Buffer.concat([input.subarray(0, a), ...Array(rng.range(2, 200)).fill(slice), input.subarray(a)]);
};

/** Insert a hostile token (a bad URL, a huge number, a long string, a control character) at a random point. */
export const insertToken: Mutation = (input, rng) => {
  const tokens = [...BAD_URLS, ...HUGE_NUMBERS, rng.word(), 'x'.repeat(rng.range(100, 100_000)), '\u0000', '\r\n', '"', "'", '<', '>', '&', '&amp;', '&#0;', '&#xFFFFFFFF;', '*a', '&a', '!!js/function', '{{', '${X}', '%00', '%', '\\'];
  const at = rng.int(input.length + 1);
  return Buffer.concat([input.subarray(0, at), Buffer.from(rng.pick(tokens)), input.subarray(at)]);
};

/** Replace the input with deep nesting of its own first characters, or of brackets. */
export const deepNest: Mutation = (input, rng) => {
  const depth = rng.pick([64, 1000, 10_000, 100_000]);
  const text = input.toString('utf8');
  if (text.trimStart().startsWith('<')) return Buffer.from('<a>'.repeat(depth) + '</a>'.repeat(depth));
  return Buffer.from(deepJson(depth, rng.chance(0.5) ? 'array' : 'object'));
};

export const ALL_MUTATIONS: readonly Mutation[] = [flipBits, randomBytes, truncate, deleteSlice, duplicateSlice, insertToken, deepNest];

/** Apply 1..`max` random mutations to `seedInput`. */
export function mutate(seedInput: Buffer | string, rng: Rng, mutations: readonly Mutation[] = ALL_MUTATIONS, max = 3): Buffer {
  let out = typeof seedInput === 'string' ? Buffer.from(seedInput) : seedInput;
  for (let i = rng.range(1, max); i > 0; i--) out = rng.pick(mutations)(out, rng);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Structured mutations of a decoded JSON value: keep the shape, poison a field.

/** A copy of `value` with one random leaf (or the whole value) replaced by something hostile. */
export function mutateValue(value: unknown, rng: Rng): unknown {
  const copy: unknown = JSON.parse(JSON.stringify(value ?? null));
  const hostile = (): unknown => {
    switch (rng.int(6)) {
      case 0: return rng.pick(wrongTypes(rng));
      case 1: return rng.pick(BAD_URLS);
      case 2: return Number(rng.pick(HUGE_NUMBERS));
      case 3: return rng.pick(HUGE_NUMBERS);
      case 4: return JSON.parse(deepJson(rng.pick([10, 200, 2000])));
      // Own keys named like the prototype chain, as JSON.parse makes them.
      default: return JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}');
    }
  };
  if (copy === null || typeof copy !== 'object' || rng.chance(0.1)) return hostile();
  // Walk down a random path and poison the node we stop at (or add/remove a key there).
  let node = copy as Record<string, unknown>;
  for (let depth = 0; depth < 8; depth++) {
    const keys = Object.keys(node);
    if (keys.length === 0) break;
    const k = rng.pick(keys);
    const child = node[k];
    if (child !== null && typeof child === 'object' && rng.chance(0.6)) {
      node = child as Record<string, unknown>;
      continue;
    }
    switch (rng.int(4)) {
      case 0: delete node[k]; break;
      case 1: Object.defineProperty(node, rng.pick(['__proto__', 'constructor', 'prototype', rng.word(8)]), { value: hostile(), enumerable: true, writable: true, configurable: true }); break;
      default: node[k] = hostile();
    }
    return copy;
  }
  node[rng.word(8)] = hostile();
  return copy;
}

/**
 * `count` fuzz inputs from `seeds`: a mix of untouched seeds, byte-level mutations and, for JSON
 * seeds, structured mutations. Deterministic for a given rng state.
 */
export function* fuzzInputs(rng: Rng, seeds: readonly (string | Buffer)[], count: number, mutations: readonly Mutation[] = ALL_MUTATIONS): Generator<Buffer> {
  for (let i = 0; i < count; i++) {
    const seedInput = rng.pick(seeds);
    const r = rng.next();
    if (r < 0.03) {
      yield typeof seedInput === 'string' ? Buffer.from(seedInput) : seedInput;
      continue;
    }
    if (r < 0.4) {
      const text = seedInput.toString();
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      if (parsed !== undefined) {
        yield Buffer.from(JSON.stringify(mutateValue(parsed, rng)));
        continue;
      }
    }
    yield mutate(seedInput, rng, mutations);
  }
}
