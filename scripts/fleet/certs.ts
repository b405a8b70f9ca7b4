import { copyFileSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import { makeCert, shareWithBroker, writeAcl } from '../../test/helpers/brokerTiers.js';
import { CENTRE_NAME, SERVER_NAME, type FleetLayout } from './layout.js';

// Certificates of the fleet from scripts/make-certs, kept in a cache folder (making 500 gateway
// certificates takes a while; make-certs keeps what exists and is signed by the folder's CA).
// The brokers get copies of what they read in the run's own folder: Mosquitto reads its files after
// dropping root, and the cache sits in root's home, which it cannot enter.

export const DEFAULT_CERT_CACHE = join(homedir(), '.cache', 'edge-agent', 'fleet-certs');

export interface FleetCerts {
  /** The folder the brokers read: ca.pem, the server and bridge certificates, the ACL. */
  brokerDir: string;
  aclFile: string;
  /** The chain's CA, for gateways and centre instances. */
  ca: string;
  /** Path without .pem/.key, per gateway id. */
  gateway: Map<string, string>;
  centre: string;
}

export function fleetCerts(cache: string, runDir: string, layout: FleetLayout): FleetCerts {
  mkdirSync(cache, { recursive: true });
  const server = makeCert(cache, 'server', SERVER_NAME);
  const bridges = [...layout.provinces.map((p) => makeCert(cache, 'bridge', p)), ...layout.communes.map((c) => makeCert(cache, 'bridge', c.province, c.id))];
  const centre = makeCert(cache, 'centre', CENTRE_NAME);
  const gateway = new Map<string, string>();
  for (const g of [...layout.gateways, layout.backlog]) gateway.set(g.id, makeCert(cache, 'gateway', g.province, g.commune, g.id));

  const brokerDir = join(runDir, 'broker-certs');
  mkdirSync(brokerDir, { recursive: true });
  copyFileSync(join(cache, 'ca.pem'), join(brokerDir, 'ca.pem'));
  const copies = [server, ...bridges].map((c) => {
    for (const ext of ['.pem', '.key']) copyFileSync(`${c}${ext}`, join(brokerDir, `${basename(c)}${ext}`));
    return join(brokerDir, basename(c));
  });
  shareWithBroker(brokerDir, copies);
  return { brokerDir, aclFile: writeAcl(brokerDir, `centre.${CENTRE_NAME}`), ca: join(cache, 'ca.pem'), gateway, centre };
}
