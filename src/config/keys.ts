// Operators write snake_case in YAML; the code uses camelCase. These two functions are the whole mapping.

/** Deep copy of a parsed YAML value with every mapping key turned from snake_case to camelCase. */
export function camelKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(camelKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [toCamel(k), camelKeys(v)]));
  }
  return value;
}

/** Renders a path of schema keys and array indexes as the operator wrote it: cameras[0].detect_fps. */
export function snakePath(segments: string[]): string {
  let out = '';
  for (const seg of segments) {
    if (/^\d+$/.test(seg)) out += `[${seg}]`;
    else out += (out ? '.' : '') + toSnake(seg);
  }
  return out;
}

/** Shallow copy of a flat record with snake_case keys (rule figures on the wire and on the command line). */
export function snakeKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [toSnake(k), v]));
}

export function toCamel(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

export function toSnake(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}
