import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Accepts a URI or a plain file path (as technicians type it) and returns a URI. */
export function toSourceUri(input: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(input) ? input : pathToFileURL(resolve(input)).href;
}
