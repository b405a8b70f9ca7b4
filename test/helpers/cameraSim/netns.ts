import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { ROOT } from '../media.js';

// A small lab of network namespaces: one client with two LAN interfaces (two subnets, so discovery
// must go out of every interface) and one namespace per camera, each on a veth link to the client.
// Only private addresses inside these namespaces are used; nothing touches the host's network.

export interface Lab {
  client: string;
  cameras: { ns: string; ip: string; dev: string }[];
  /** Runs a command in a namespace and returns its output lines as they come. */
  spawnIn(ns: string, args: string[]): LineProcess;
  /** Moves a camera namespace to a new address on the same link. */
  readdress(index: number, ip: string): void;
  destroy(): void;
}

export interface LineProcess {
  child: ChildProcess;
  lines: string[];
  /** Resolves with the first line matching, or rejects when the process exits first. */
  waitFor(re: RegExp): Promise<string>;
  stop(): Promise<void>;
}

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();

/** Why namespaces cannot be used here, or undefined when they can. */
export function netnsUnavailable(): string | undefined {
  const probe = `eachk${randomBytes(3).toString('hex')}`;
  try {
    ip('netns', 'add', probe);
    ip('netns', 'del', probe);
    return undefined;
  } catch (err) {
    return `ip netns add failed (${String((err as { stderr?: Buffer }).stderr ?? err).trim()})`;
  }
}

/** Builds client + N camera namespaces; camera i gets 10.77.<i+1>.10/24, the client .1. */
export function createLab(cameraCount: number): Lab {
  const tag = randomBytes(3).toString('hex');
  const client = `eacli${tag}`;
  const cameras: Lab['cameras'] = [];
  const created: string[] = [];
  const destroy = () => {
    for (const ns of created.reverse()) {
      try {
        ip('netns', 'del', ns);
      } catch {
        // already gone
      }
    }
    created.length = 0;
  };
  try {
    ip('netns', 'add', client);
    created.push(client);
    ip('-n', client, 'link', 'set', 'lo', 'up');
    for (let i = 0; i < cameraCount; i++) {
      const ns = `eacam${i}${tag}`;
      ip('netns', 'add', ns);
      created.push(ns);
      const [c, l] = [`c${i}${tag}`, `l${i}${tag}`];
      ip('link', 'add', c, 'netns', ns, 'type', 'veth', 'peer', 'name', l, 'netns', client);
      ip('-n', ns, 'addr', 'add', `10.77.${i + 1}.10/24`, 'dev', c);
      ip('-n', client, 'addr', 'add', `10.77.${i + 1}.1/24`, 'dev', l);
      for (const [n, d] of [[ns, c], [ns, 'lo'], [client, l]] as const) ip('-n', n, 'link', 'set', d, 'up');
      // A multicast route, as any host with a default route has: independent clients (onvif-util) need it.
      if (i === 0) ip('-n', client, 'route', 'add', '224.0.0.0/4', 'dev', l);
      cameras.push({ ns, ip: `10.77.${i + 1}.10`, dev: c });
    }
  } catch (err) {
    destroy();
    throw err;
  }
  return {
    client,
    cameras,
    spawnIn: (ns, args) => lineProcess(spawn('ip', ['netns', 'exec', ns, ...args], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] })),
    readdress: (index, addr) => {
      const cam = cameras[index]!;
      ip('-n', cam.ns, 'addr', 'flush', 'dev', cam.dev);
      ip('-n', cam.ns, 'addr', 'add', `${addr}/24`, 'dev', cam.dev);
      cam.ip = addr;
    },
    destroy,
  };
}

function lineProcess(child: ChildProcess): LineProcess {
  const lines: string[] = [];
  let buf = '';
  let stderr = '';
  const waiters: { re: RegExp; resolve: (l: string) => void }[] = [];
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      lines.push(line);
      for (const w of waiters.filter((x) => x.re.test(line))) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  });
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    lines,
    waitFor: (re) => {
      const seen = lines.find((l) => re.test(l));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        waiters.push({ re, resolve });
        void exited.then(() => reject(new Error(`process exited before printing ${re}: ${stderr.slice(-2000)}`)));
      });
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
