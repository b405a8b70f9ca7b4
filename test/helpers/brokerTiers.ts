import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../src/detect/modelManifest.js';
import { freePort } from './ports.js';
import { startMosquitto, type Mosquitto } from './mosquitto.js';

// The broker tiers as a technician sets them up: config/mosquitto templates rendered with
// certificates from scripts/make-certs, each broker a real Mosquitto on a free loopback port.

// Found by its package.json, so that the bench's compiled copy in dist/ finds the templates too.
const ROOT = projectRoot();
const TEMPLATES = join(ROOT, 'config/mosquitto');

/** Lines of a config/mosquitto template with every `${NAME}` filled; a placeholder left over throws. */
export function renderTemplate(file: string, vars: Record<string, string>, drop?: RegExp): string[] {
  const lines = readFileSync(join(TEMPLATES, file), 'utf8')
    .split('\n')
    .filter((l) => !drop?.test(l))
    .map((l) => l.replace(/\$\{([A-Z_]+)\}/g, (m, k: string) => vars[k] ?? m));
  const left = lines.filter((l) => !l.startsWith('#') && /\$\{[A-Z_]+\}/.test(l));
  if (left.length > 0) throw new Error(`${file}: placeholders left in ${left.join(' | ')}`);
  return lines;
}

/** Runs scripts/make-certs; returns the certificate's path without `.pem`/`.key`. */
export function makeCert(dir: string, role: string, ...args: string[]): string {
  return execFileSync(join(ROOT, 'scripts/make-certs'), [dir, role, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/**
 * Mosquitto started as root reads certificates and keys after becoming the mosquitto user: the
 * folder must be open to it and the keys it uses (server, bridge) must be its own, as on a broker.
 */
export function shareWithBroker(dir: string, keys: string[]): void {
  chmodSync(dir, 0o755);
  if (process.getuid?.() !== 0) return;
  const uid = Number(execFileSync('id', ['-u', 'mosquitto'], { encoding: 'utf8' }));
  for (const k of keys) chownSync(`${k}.key`, uid, 0);
}

/** The ACL template rendered into `dir` (readable by the broker); returns its path. */
export function writeAcl(dir: string, centre: string, prefix = 'edge'): string {
  const path = join(dir, 'acl');
  writeFileSync(path, renderTemplate('acl.template', { PREFIX: prefix, CENTRE: centre }).join('\n'), { mode: 0o644 });
  return path;
}

export interface TierOptions {
  tier: 'commune' | 'city' | 'ministry';
  /** Folder of scripts/make-certs with ca.pem and the server certificate. */
  certs: string;
  /** Server certificate name, e.g. server.local. */
  server: string;
  aclFile: string;
  /** The bridge to the tier above: its port and this bridge's certificate name (bridge.<area>). */
  bridge?: { name: string; upstreamPort: number; cert: string };
  /** Extra mosquitto.conf lines (e.g. `log_type all`). */
  extra?: string[];
}

export async function startTier(o: TierOptions): Promise<Mosquitto> {
  const port = await freePort();
  const listener = renderTemplate(`${o.tier}.conf.template`, { PORT: String(port), BIND_ADDRESS: '127.0.0.1', CERTS: o.certs, SERVER: o.server, ACL_FILE: o.aclFile });
  const bridge = o.bridge
    ? renderTemplate('bridge.conf.template', { NAME: o.bridge.name, UPSTREAM: `127.0.0.1:${o.bridge.upstreamPort}`, PREFIX: 'edge', CERTS: o.certs, BRIDGE: o.bridge.cert })
    : [];
  return startMosquitto({ port, listener, extra: [...(o.extra ?? []), ...bridge] });
}

/** The bridge template without its TLS lines, for plain loopback chains that test queueing only. */
export function plainBridge(name: string, upstreamPort: number): string[] {
  return renderTemplate('bridge.conf.template', { NAME: name, UPSTREAM: `127.0.0.1:${upstreamPort}`, PREFIX: 'edge' }, /^bridge_(cafile|certfile|keyfile|insecure) /);
}
