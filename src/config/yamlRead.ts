import { LineCounter, parseDocument, visit, YAMLError, type Document } from 'yaml';
import { ConfigError } from '../errors.js';

// Reading a config file's YAML as hostile input: bounded in size, depth, values and aliases before
// and after the parser, every failure a ConfigError with a line.

/**
 * Parses YAML into plain data. Aliases are bounded (a "billion laughs" file would otherwise expand
 * in memory) and every parser failure, including the ones the yaml package throws as plain
 * JavaScript errors, becomes a ConfigError with a line.
 */
export function readYaml(text: string, file: string, lines: LineCounter): { doc: Document; raw: unknown } {
  const before = preScan(text);
  if (before) throw new ConfigError(file, [before]);
  let doc: Document;
  try {
    doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  } catch (err) {
    throw new ConfigError(file, [`YAML syntax: ${yamlFailure(err)}`], { cause: err });
  }
  if (doc.errors.length > 0) {
    throw new ConfigError(file, doc.errors.map((e) => `YAML syntax (line ${e.linePos?.[0]?.line ?? '?'}): ${yamlFailure(e)}`));
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as unknown;
  } catch (err) {
    const line = firstAliasLine(doc, lines);
    throw new ConfigError(file, [`YAML${line ? ` (line ${line})` : ''}: ${yamlFailure(err)}`], { cause: err });
  }
  const shape = shapeProblem(raw);
  if (shape) {
    const line = shape.startsWith('an alias') ? firstAliasLine(doc, lines) : undefined;
    throw new ConfigError(file, [`YAML${line ? ` (line ${line})` : ''}: ${shape}`]);
  }
  return { doc, raw };
}

const MAX_FILE_BYTES = 1024 * 1024;

/**
 * Refuses, before the YAML parser sees it, a file too large to be a config or with flow
 * collections ([ and {) nested deeper than MAX_DEPTH: the parser recurses per level, and 100 000
 * levels exhaust its memory and take the process down rather than throwing.
 */
function preScan(text: string): string | undefined {
  if (text.length > MAX_FILE_BYTES) return `the file is larger than ${MAX_FILE_BYTES / 1024} KiB; this is not a configuration`;
  let depth = 0;
  let line = 1;
  let quote = '';
  let comment = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\n') {
      line++;
      comment = false;
      continue;
    }
    if (comment) continue;
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = '';
      continue;
    }
    // A quote opens a quoted scalar only where a scalar starts (O'Brien is plain text).
    if ((c === '"' || c === "'") && startsScalar(text, i)) quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(text[i - 1]!))) comment = true;
    else if (c === '[' || c === '{') {
      if (++depth > MAX_DEPTH) return `YAML (line ${line}): nested too deeply to be a configuration`;
    } else if ((c === ']' || c === '}') && depth > 0) depth--;
  }
  return undefined;
}

function startsScalar(text: string, i: number): boolean {
  let j = i - 1;
  while (j >= 0 && (text[j] === ' ' || text[j] === '\t')) j--;
  return j < 0 || '\n:[{,-?'.includes(text[j]!);
}

// Far beyond any real config; the walks that follow (secrets, keys, schema) recurse.
const MAX_DEPTH = 64;
const MAX_NODES = 200_000;

/** A cycle (an alias inside its own anchor), excessive depth or size; undefined when none. */
function shapeProblem(root: unknown): string | undefined {
  let nodes = 0;
  const ancestors = new Set<object>();
  const walk = (v: unknown, depth: number): string | undefined => {
    if (++nodes > MAX_NODES) return `more than ${MAX_NODES} values; this is not a configuration`;
    if (v === null || typeof v !== 'object') return undefined;
    if (ancestors.has(v)) return 'an alias (*name) refers to the anchor it is inside of; write the values out';
    if (depth > MAX_DEPTH) return 'nested too deeply to be a configuration';
    ancestors.add(v);
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      const problem = walk(child, depth + 1);
      if (problem) return problem;
    }
    ancestors.delete(v);
    return undefined;
  };
  return walk(root, 0);
}

// A config needs few aliases, if any; the yaml package counts each expansion against this.
const MAX_ALIAS_COUNT = 100;

function yamlFailure(err: unknown): string {
  const message = firstLine(err instanceof Error ? err.message : String(err));
  if (/alias/i.test(message)) return 'too many alias expansions (*name); a config needs few or none, write the values out';
  if (/call stack/i.test(message)) return 'nested too deeply to be a configuration';
  if (err instanceof YAMLError) return message;
  return 'the file cannot be read as YAML; check it against config/example.yaml';
}

function firstAliasLine(doc: Document, lines: LineCounter): number | undefined {
  let offset: number | undefined;
  visit(doc, {
    Alias(_key, node) {
      offset = node.range?.[0];
      return visit.BREAK;
    },
  });
  return offset === undefined ? undefined : lines.linePos(offset).line;
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}
