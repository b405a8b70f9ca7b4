import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../../src/detect/modelManifest.js';
import { escapeXml } from '../../../src/discovery/wsSecurity.js';

// Reply templates live as XML files in test/fixtures/onvif/<vendor>/; this fills their {{name}}s.

// From the project root, so the simulator finds them from test/ (tsx) and from dist/ (compiled) alike.
export const FIXTURES = join(projectRoot(), 'test', 'fixtures', 'onvif');
const cache = new Map<string, string>();

/** The raw template text (cached); throws when the vendor has no such reply. */
export function template(dir: string, name: string): string {
  const path = join(FIXTURES, dir, `${name}.xml`);
  let text = cache.get(path);
  if (text === undefined) {
    text = readFileSync(path, 'utf8');
    cache.set(path, text);
  }
  return text;
}

/** Whether `dir` has a template called `name`. */
export function hasTemplate(dir: string, name: string): boolean {
  try {
    template(dir, name);
    return true;
  } catch {
    return false;
  }
}

/**
 * Fills a template. Values are XML-escaped, except keys listed in `raw` (nested XML fragments).
 * A placeholder without a value is an error in the simulator, so it throws.
 */
export function render(dir: string, name: string, vars: Record<string, string | number>, raw: string[] = []): string {
  return template(dir, name).replace(/\{\{(\w+)\}\}/g, (_m, key: string) => {
    const v = vars[key];
    if (v === undefined) throw new Error(`template ${dir}/${name}: no value for {{${key}}}`);
    return raw.includes(key) ? String(v) : escapeXml(String(v));
  });
}

/** Date parts for GetSystemDateAndTime, from epoch ms in UTC. */
export function dateVars(ms: number): Record<string, number> {
  const d = new Date(ms);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
  };
}
