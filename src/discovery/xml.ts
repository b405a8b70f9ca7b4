import { XMLParser, XMLValidator } from 'fast-xml-parser';

// XML access for ONVIF and WS-Discovery replies. Firmwares differ in namespace prefixes (tt:,
// ns2:, none), whitespace and element order, so prefixes are dropped at parse time and every
// reader looks elements up by local name only.

/** A parsed element: child elements by local name, attributes as `@_name`, text as `#text`. */
export type XmlNode = Record<string, unknown>;

const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: true,
});

/** Thrown when text is not well-formed XML; `detail` names the line when the validator knows it. */
export class XmlSyntaxError extends Error {
  constructor(readonly detail: string, options?: { cause?: unknown }) {
    super(`not well-formed XML: ${detail}`, options);
    this.name = 'XmlSyntaxError';
  }
}

/** Larger than any ONVIF reply or WS-Discovery datagram a camera sends; bounds parsing work. */
export const MAX_XML_BYTES = 4 * 1024 * 1024;

/**
 * Parses well-formed XML into nodes; throws XmlSyntaxError on malformed, truncated, oversized or
 * too deeply nested input, and on any document type declaration: SOAP forbids DTDs, and refusing
 * them means no entity can be declared, so none can expand (the "billion laughs" attack).
 */
export function parseXml(text: string): XmlNode {
  if (text.length > MAX_XML_BYTES) throw new XmlSyntaxError(`larger than ${MAX_XML_BYTES} bytes`);
  if (/<!DOCTYPE/i.test(text)) throw new XmlSyntaxError('document type declarations are not allowed in SOAP');
  let valid: ReturnType<typeof XMLValidator.validate>;
  try {
    valid = XMLValidator.validate(text);
  } catch (err) {
    throw new XmlSyntaxError(parserMessage(err), { cause: err });
  }
  if (valid !== true) throw new XmlSyntaxError(`${valid.err.msg} (line ${valid.err.line})`);
  try {
    return parser.parse(text) as XmlNode;
  } catch (err) {
    // The parser has its own limits (nesting depth, entity counts) and reports them as plain Errors.
    throw new XmlSyntaxError(parserMessage(err), { cause: err });
  }
}

function parserMessage(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return /call stack/i.test(msg) ? 'nested too deeply' : msg.split('\n')[0]!.slice(0, 200);
}

/** Follows local element names from `node`; the first element wherever a name repeats. */
export function child(node: unknown, ...path: string[]): unknown {
  let cur: unknown = node;
  for (const name of path) {
    if (Array.isArray(cur)) cur = cur[0];
    if (!cur || typeof cur !== 'object') return undefined;
    cur = (cur as XmlNode)[name];
  }
  return Array.isArray(cur) ? cur[0] : cur;
}

/** Every element named `name` under `node` (a repeated element parses as an array). */
export function children(node: unknown, name: string): unknown[] {
  if (!node || typeof node !== 'object') return [];
  const v = (node as XmlNode)[name];
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

/** Text content of an element (or of the element at `path`), trimmed; undefined if absent. */
export function text(node: unknown, ...path: string[]): string | undefined {
  const v = path.length > 0 ? child(node, ...path) : Array.isArray(node) ? node[0] : node;
  if (typeof v === 'string') return v.trim();
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v && typeof v === 'object' && '#text' in v) return String((v as XmlNode)['#text']).trim();
  return undefined;
}

/** Attribute value by local name. */
export function attr(node: unknown, name: string): string | undefined {
  if (!node || typeof node !== 'object' || Array.isArray(node)) return undefined;
  const v = (node as XmlNode)[`@_${name}`];
  return v === undefined ? undefined : String(v);
}

/** Integer text at `path`, or undefined when absent or not a number. */
export function int(node: unknown, ...path: string[]): number | undefined {
  const t = text(node, ...path);
  // An empty element is absent, not zero (Number('') is 0).
  const n = t === undefined || t === '' ? NaN : Number(t);
  return Number.isFinite(n) ? n : undefined;
}
