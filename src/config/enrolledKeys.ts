import type { KeyObject } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ConfigError } from '../errors.js';
import { parseKeyList, parsePublicKey } from '../verify/index.js';

/**
 * The centre's enrolled gateway keys: a file of `<gateway id> <public key>` lines, or a folder of
 * `<gateway id>.pub` files. Anything unreadable is a ConfigError naming the path.
 */
export function readEnrolledKeys(path: string): Map<string, KeyObject[]> {
  try {
    if (!statSync(path).isDirectory()) return parseKeyList(readFileSync(path, 'utf8'));
    const out = new Map<string, KeyObject[]>();
    for (const name of readdirSync(path).filter((n) => n.endsWith('.pub'))) {
      const key = parsePublicKey(readFileSync(join(path, name), 'utf8'));
      if (!key) throw new Error(`${name}: not a public key`);
      out.set(basename(name, '.pub'), [key]);
    }
    return out;
  } catch (err) {
    throw new ConfigError(path, [`enrolled keys unusable: ${(err as Error).message}`], { cause: err });
  }
}
