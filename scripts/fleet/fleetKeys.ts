import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { newKeyPair, privateKeyPem, publicKeyText } from '../../src/verify/index.js';
import type { FleetLayout } from './layout.js';

// Signing keys of a simulated fleet, made fresh for each run: one Ed25519 pair per gateway, enrolled
// at the centre as an operator would (the "<gateway id> <public key>" file), and the centre's pair.

export interface FleetKeys {
  keysFile: string;
  centreKeyFile: string;
  centrePublic: string;
  gatewayPem: Map<string, string>;
}

/** A key pair per gateway, enrolled at the centre, and the centre's own pair. */
export function writeKeys(dir: string, layout: FleetLayout): FleetKeys {
  const centre = newKeyPair();
  const centreKeyFile = join(dir, 'centre.key');
  writeFileSync(centreKeyFile, privateKeyPem(centre.privateKey), { mode: 0o600 });
  const gatewayPem = new Map<string, string>();
  const lines: string[] = [];
  for (const g of [...layout.gateways, layout.backlog]) {
    const k = newKeyPair();
    gatewayPem.set(g.id, privateKeyPem(k.privateKey));
    lines.push(`${g.id} ${publicKeyText(k.publicKey)}\n`);
  }
  const keysFile = join(dir, 'enrolled.txt');
  writeFileSync(keysFile, lines.join(''));
  return { keysFile, centreKeyFile, centrePublic: publicKeyText(centre.publicKey), gatewayPem };
}
