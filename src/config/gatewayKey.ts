import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { KeyObject } from 'node:crypto';
import { ConfigError } from '../errors.js';
import { parsePrivateKey, privateKeyPem } from '../verify/keys.js';

// The gateway's signing key: an Ed25519 private key in PKCS#8 PEM, in the state folder beside the
// outbox (under systemd, $STATE_DIRECTORY), readable by the service user only. It is not config:
// it never enters the config hash, a log line, a CLI output or an MQTT message; only its public
// half and fingerprint do.

export const KEY_FILE = 'gateway.key';

/** The key file for a config: beside the outbox database (so in the state directory when there is one). */
export function gatewayKeyPath(outboxPath: string): string {
  return join(dirname(outboxPath), KEY_FILE);
}

/** Reads the gateway key. A missing, unreadable or malformed file is a fatal config error naming the remedy. */
export function loadGatewayKey(path: string): KeyObject {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    const what = code === 'ENOENT' ? 'the gateway signing key does not exist' : `the gateway signing key cannot be read (${code}); it must belong to the service user`;
    throw new ConfigError(path, [`${what}; create it with \`edge-agent keys init -c <config>\` and enrol its public key at the centre`], { cause: err });
  }
  const key = parsePrivateKey(text);
  if (!key) throw new ConfigError(path, ['not an Ed25519 private key (PKCS#8 PEM); make a new one with `edge-agent keys init --force -c <config>` and enrol it at the centre']);
  return key;
}

/**
 * Writes a private key, mode 0600, refusing to replace an existing file unless `force`. With
 * `keepPrevious`, an existing key is first renamed to <path>.previous.
 */
export function writeGatewayKey(path: string, key: KeyObject, o: { force?: boolean; keepPrevious?: boolean } = {}): void {
  // A fresh state folder (the outbox not created yet) is made private, like the outbox's own.
  mkdirSync(dirname(path), { recursive: true, mode: 0o750 });
  if (existsSync(path)) {
    if (o.keepPrevious) renameSync(path, `${path}.previous`);
    else if (o.force) unlinkSync(path); // a new file, so that the old file's mode is not kept
    else throw new ConfigError(path, ['a key already exists; it is kept (use --force to replace it, or `keys rotate`)']);
  }
  // Created 0600 from the start, exclusively: never readable by others, not even briefly.
  const fd = openSync(path, 'wx', 0o600);
  try {
    writeSync(fd, privateKeyPem(key));
  } finally {
    closeSync(fd);
  }
}
