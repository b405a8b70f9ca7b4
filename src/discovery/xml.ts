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
  constructor(readonly detail: string) {
    super(`not well-formed XML: ${detail}`);
    this.name = 'XmlSyntaxError';
  }
}

/** Parses well-formed XML into nodes; throws XmlSyntaxError on malformed or truncated input. */
export function parseXml(text: string): XmlNode {
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw new XmlSyntaxError(`${valid.err.msg} (line ${valid.err.line})`);
  return parser.parse(text) as XmlNode;
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
  const n = t === undefined ? NaN : Number(t);
  return Number.isFinite(n) ? n : undefined;
}
