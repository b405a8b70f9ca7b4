import { isIPv4 } from 'node:net';
import { networkInterfaces } from 'node:os';

// Targets for unicast probes (cameras on routed VLANs, which multicast does not reach) and the
// local interfaces multicast probes go out on.

/** The largest subnet we expand to single hosts: a /22 is 1022 datagrams per round. */
export const MAX_UNICAST_HOSTS = 1024;

/** Thrown for a unicast target that is neither an IPv4 address, a host name nor a small CIDR. */
export class UnicastTargetError extends Error {
  constructor(target: string, reason: string) {
    super(`--unicast ${target}: ${reason}`);
    this.name = 'UnicastTargetError';
  }
}

/** Expands hosts and CIDRs into single targets (network and broadcast addresses left out). */
export function expandTargets(targets: string[]): string[] {
  const out = new Set<string>();
  for (const t of targets) {
    const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(t);
    if (!m) {
      if (!isIPv4(t) && !/^[a-z0-9.-]+$/i.test(t)) throw new UnicastTargetError(t, 'not an IPv4 address, host name or CIDR');
      out.add(t);
      continue;
    }
    const bits = Number(m[2]);
    if (!isIPv4(m[1]!) || bits > 32) throw new UnicastTargetError(t, 'not a valid IPv4 CIDR');
    const size = 2 ** (32 - bits);
    if (size > MAX_UNICAST_HOSTS) throw new UnicastTargetError(t, `too large (${size} addresses); use /22 or smaller`);
    const base = (ipToInt(m[1]!) & (bits === 0 ? 0 : ~(size - 1) >>> 0)) >>> 0;
    const [first, last] = size <= 2 ? [0, size - 1] : [1, size - 2];
    for (let i = first; i <= last; i++) out.add(intToIp(base + i));
  }
  return [...out];
}

export function ipToInt(ip: string): number {
  return ip.split('.').reduce((acc, o) => ((acc << 8) | Number(o)) >>> 0, 0);
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** A local IPv4 address and the interface it belongs to. */
export interface LocalAddress {
  name: string;
  address: string;
}

/**
 * Every IPv4 address of every interface that is up, loopback excluded unless named in `only`.
 * With `only`, just those interface names.
 */
export function localIPv4(only?: string[]): LocalAddress[] {
  const out: LocalAddress[] = [];
  for (const [name, addrs] of Object.entries(networkInterfaces())) {
    if (only && !only.includes(name)) continue;
    for (const a of addrs ?? []) {
      if (a.family === 'IPv4' && (!a.internal || only)) out.push({ name, address: a.address });
    }
  }
  return out;
}
