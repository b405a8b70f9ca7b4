import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Ajv, type ErrorObject } from 'ajv';
import { isMap, isSeq, LineCounter, parse as parseYaml, type Document, type Node } from 'yaml';
import { ConfigError } from '../errors.js';
import { checkEvents } from './eventsSchema.js';
import { ConfigSchema, type Config } from './schema.js';
import { camelKeys, snakePath } from './keys.js';
import { secretsFileRemedy } from './stateAccess.js';
import { resolveStatePaths } from './statePaths.js';
import { rememberConfigSecrets } from './configSecrets.js';
import { checkCentreKey } from './trustCheck.js';
import { checkTls } from './tlsCheck.js';
import { encodeSecret } from './uri.js';
import { checkUris, type KeyProblem } from './uriCheck.js';
import { readYaml } from './yamlRead.js';

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false, verbose: true });
const validate = ajv.compile<Config>(ConfigSchema);

export interface LoadOptions {
  /** Environment used to fill ${NAME}; defaults to process.env. */
  env?: Record<string, string | undefined>;
  /** Known model ids; when given, cameras naming another model are rejected. */
  modelIds?: string[];
  /** Known detector labels; when given, cameras naming another class are rejected. */
  labels?: readonly string[];
}

/** Reads, fills secrets, validates and defaults a config file. Throws ConfigError listing every problem. */
export function loadConfig(file: string, options: LoadOptions = {}): Config {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [`cannot read the file (${(err as NodeJS.ErrnoException).code ?? err}); check the path`], {
      cause: err,
    });
  }
  return parseConfig(text, file, options);
}

/** Same as loadConfig on text already read; `file` names it in messages and anchors relative paths. */
export function parseConfig(text: string, file: string, options: LoadOptions = {}): Config {
  const lines = new LineCounter();
  const { doc, raw } = readYaml(text, file, lines);
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError(file, ['the file must be a YAML mapping with gateway: and cameras: at the top']);
  }
  const env = options.env ?? process.env;
  const problems: string[] = [];
  const secrets = readSecrets(raw as Record<string, unknown>, file, problems);
  const used: string[] = [];
  const filled = fillSecrets(raw, [], { env, secrets, problems, used });
  const config = camelKeys(filled) as Config;
  if (!validate(config)) {
    for (const e of validate.errors ?? []) problems.push(describe(e, doc, lines));
  } else {
    problems.push(...crossChecks(config, options));
    problems.push(...checkUris(config).map((p) => withLine(p, doc, lines)));
    problems.push(...checkTls(config, dirname(file)).map((p) => withLine(p, doc, lines)));
  }
  if (problems.length > 0) throw new ConfigError(file, problems);
  rememberConfigSecrets(config, used);
  return resolveStatePaths(resolveFileSources(config, file), file, env);
}

/** file://relative/path.mp4 is read relative to the config file, as technicians expect. */
function resolveFileSources(config: Config, file: string): Config {
  for (const cam of config.cameras) {
    const m = /^file:\/\/([^/].*)$/.exec(cam.source);
    if (m) cam.source = pathToFileURL(resolve(dirname(file), m[1]!)).href;
  }
  return config;
}

function crossChecks(config: Config, options: LoadOptions): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  config.cameras.forEach((cam, i) => {
    if (seen.has(cam.id)) out.push(`cameras[${i}].id: "${cam.id}" is used by another camera; ids must be unique`);
    seen.add(cam.id);
    if (options.modelIds && !options.modelIds.includes(cam.model)) {
      out.push(`cameras[${i}].model: unknown model "${cam.model}"; known: ${options.modelIds.join(', ')}`);
    }
    const unknown = options.labels ? cam.classes.filter((c) => !options.labels!.includes(c)) : [];
    if (unknown.length > 0) out.push(`cameras[${i}].classes: not detector labels: ${unknown.join(', ')}`);
    out.push(...checkEvents(cam.events, `cameras[${i}].events`));
  });
  out.push(...checkCentreKey(config.mqtt));
  // The MQTT client would refuse it on every attempt, and the gateway would never connect.
  if (config.mqtt?.password !== undefined && config.mqtt.username === undefined) {
    out.push('mqtt.password: set without mqtt.username; MQTT sends a password only with a user name: set mqtt.username, or remove the password');
  }
  return out;
}

/** One schema error as `path (line n): message`, in the operator's snake_case. */
export function describe(e: ErrorObject, doc: Document, lines: LineCounter): string {
  const segments = e.instancePath.split('/').slice(1);
  let message = e.message ?? 'is invalid';
  if (e.keyword === 'additionalProperties') {
    const key = snakePath([(e.params as { additionalProperty: string }).additionalProperty]);
    segments.push((e.params as { additionalProperty: string }).additionalProperty);
    message = `unknown key "${key}"; check its spelling against config/example.yaml`;
  } else if (e.keyword === 'enum' || e.keyword === 'anyOf') {
    message = 'must be one of the allowed values (see config/example.yaml)';
  } else if (e.keyword === 'pattern') {
    message = `"${String(e.data)}" does not have the expected form (${e.parentSchema?.description ?? e.params.pattern})`;
  }
  const path = snakePath(segments);
  const line = lineOf(doc, lines, path.split(/[.[\]]+/).filter(Boolean));
  return `${path || '(top)'}${line ? ` (line ${line})` : ''}: ${message}`;
}

function lineOf(doc: Document, lines: LineCounter, path: string[]): number | undefined {
  // Walks as deep as the path exists in the source, so an unknown or missing key points at its parent.
  let node: unknown = doc.contents;
  let best: Node | undefined;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => String((p.key as { value?: unknown })?.value) === seg);
      if (!pair) break;
      best = (pair.key as Node) ?? best;
      node = pair.value;
    } else if (isSeq(node)) {
      node = node.items[Number(seg)];
      if (node) best = node as Node;
    } else break;
  }
  const offset = best?.range?.[0];
  return offset === undefined ? undefined : lines.linePos(offset).line;
}

function readSecrets(raw: Record<string, unknown>, file: string, problems: string[]): Record<string, string> {
  const name = raw['secrets_file'];
  if (typeof name !== 'string') return {};
  const path = resolve(dirname(file), name);
  try {
    const parsed = parseYaml(readFileSync(path, 'utf8')) as unknown;
    if (parsed === null || parsed === undefined) return {};
    if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not a mapping of NAME: value');
    return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, String(v)]));
  } catch (err) {
    // The message names the file but never its content: it holds passwords.
    const code = (err as NodeJS.ErrnoException).code;
    const remedy = secretsFileRemedy(path, code);
    problems.push(`secrets_file: cannot use ${path} (${code ?? (err as Error).message.split('\n')[0]})${remedy ? `: ${remedy}` : ''}`);
    return {};
  }
}

interface FillContext {
  env: Record<string, string | undefined>;
  secrets: Record<string, string>;
  problems: string[];
  /** Every value substituted, for redaction and the config hash. */
  used: string[];
}

function fillSecrets(value: unknown, path: string[], ctx: FillContext): unknown {
  if (typeof value === 'string') return fillString(value, path, ctx);
  if (Array.isArray(value)) return value.map((v, i) => fillSecrets(v, [...path, String(i)], ctx));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fillSecrets(v, [...path, k], ctx)]));
  }
  return value;
}

/**
 * Fills ${NAME} in one string. Inside a URI's userinfo, query or fragment the value is
 * percent-encoded, so a password with '@', '/', '#' or '?' in it cannot change where the host is.
 */
function fillString(value: string, path: string[], ctx: FillContext): string {
  const uriStart = /^[a-z][a-z0-9+.-]*:\/\//i.exec(value)?.[0].length;
  const lastAt = value.lastIndexOf('@');
  const query = value.search(/[?#]/);
  return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, name: string, offset: number) => {
    const found = ctx.env[name] ?? ctx.secrets[name];
    if (found === undefined) {
      ctx.problems.push(`${path.join('.')}: \${${name}} is not set; define it in the environment or in secrets_file`);
      return '';
    }
    ctx.used.push(found);
    const inUserinfo = uriStart !== undefined && offset >= uriStart && offset < lastAt;
    const inQuery = uriStart !== undefined && query >= 0 && offset > query;
    return inUserinfo || inQuery ? encodeSecret(found) : found;
  });
}

function withLine(p: KeyProblem, doc: Document, lines: LineCounter): string {
  const line = lineOf(doc, lines, p.path);
  return `${snakePath(p.path)}${line ? ` (line ${line})` : ''}: ${p.message}`;
}
