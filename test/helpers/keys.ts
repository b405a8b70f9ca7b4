import { join } from 'node:path';
import { KEY_FILE, writeGatewayKey } from '../../src/config/gatewayKey.js';
import { newKeyPair, publicKeyText } from '../../src/verify/keys.js';

// Signing keys for tests: one gateway key pair and one centre key pair per test process.

/** The key the test gateways sign with. */
export const GATEWAY_KEYS = newKeyPair();
/** The centre's key: tests sign requests and acks with its private half. */
export const CENTRE_KEYS = newKeyPair();
/** mqtt.centre_key for test configs. */
export const CENTRE_PUBLIC = publicKeyText(CENTRE_KEYS.publicKey);

/**
 * Writes a gateway key where `edge-agent run` looks for it: beside the outbox, in `dir` (the folder
 * of a config whose outbox.path is a bare file name). Returns its path. A fresh pair unless `key`.
 */
export function writeTestGatewayKey(dir: string, key = newKeyPair().privateKey): string {
  const path = join(dir, KEY_FILE);
  writeGatewayKey(path, key, { force: true });
  return path;
}
