import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { ROOT } from '../helpers/media.js';

/** Downloaded Debian packages (GStreamer and friends) kept between runs: later installs are quick. */
const APT_CACHE = '/var/cache/edge-agent/apt-archives';

/** Why the install tests cannot run here, or undefined when they can. */
export function installPreconditions(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (debootstrap, chroot, mount); run the tests as root';
  if (process.arch !== 'x64' || process.platform !== 'linux') return 'needs an x86_64 Linux host';
  if (!existsSync('/usr/bin/dpkg')) return 'needs a Debian host (dpkg, apt-get)';
  if (!readFileSync('/proc/filesystems', 'utf8').includes('overlay')) {
    spawnSync('modprobe', ['overlay']);
    if (!readFileSync('/proc/filesystems', 'utf8').includes('overlay')) return 'needs overlayfs (modprobe overlay failed)';
  }
  return undefined;
}

/** Runs a command, returns stdout; throws with the command's output on a non-zero exit. */
export function sh(command: string, env: Record<string, string> = {}): string {
  const r = spawnSync('/bin/bash', ['-c', command], { encoding: 'utf8', maxBuffer: 64 << 20, env: { ...process.env, ...env } });
  if (r.status !== 0) throw new Error(`exit ${r.status} (${r.signal ?? 'no signal'}): ${command}\n${(r.stdout ?? '').slice(-3000)}\n${(r.stderr ?? '').slice(-3000)}`);
  return r.stdout;
}

/** Packages built by the tests, kept outside the clone so that a fresh clone (CI) reuses them while nothing that goes into them changed. */
const PACKAGES = '/var/cache/edge-agent/deb/packages';

/** Builds (or reuses, when nothing changed) the package for `arch` and returns its path. */
export function buildDeb(arch: 'amd64' | 'arm64'): { path: string; line: string } {
  const out = sh(`'${ROOT}/scripts/build-deb' --arch ${arch} --reuse --out ${PACKAGES}`);
  const line = out.trim().split('\n').pop() ?? '';
  const path = line.split(':')[0]!;
  if (!existsSync(path)) throw new Error(`build-deb printed no package: ${out}`);
  return { path, line };
}

/** The cached bare Debian 12 root (built once by scripts/debian-root). */
export function bareRoot(arch: 'amd64' | 'arm64' = 'amd64'): string {
  return sh(`'${ROOT}/scripts/debian-root' --arch ${arch}`).trim().split('\n').pop()!;
}

/**
 * A cached root of `arch` with the Debian packages `deb` depends on (and `extra`) installed, built once
 * per list by scripts/debian-root: installing the package on top is then a matter of seconds, which
 * counts under emulation.
 */
export function packageRoot(arch: 'amd64' | 'arm64', deb: string, extra: string[] = []): string {
  const depends = sh(`dpkg-deb -f '${deb}' Depends`)
    .split(',')
    .map((d) => d.trim().split(/[\s(]/)[0]!)
    .filter(Boolean);
  const list = [...depends, ...extra].join(' ');
  return sh(`'${ROOT}/scripts/debian-root' --arch ${arch} --with '${list}'`).trim().split('\n').pop()!;
}

/** The installed package as a gateway must have it: the user, owners, modes, the unit enabled, libraries found. */
export function checkInstalledFiles(o: RootOverlay): void {
  const passwd = o.run('getent passwd edge-agent').trim().split(':');
  expect(Number(passwd[2])).toBeLessThan(1000); // a system user
  expect(passwd[5]).toBe('/var/lib/edge-agent');
  expect(passwd[6]).toBe('/usr/sbin/nologin');
  expect(o.run('id -gn edge-agent').trim()).toBe('edge-agent');
  const stat = (p: string) => o.run(`stat -c '%U:%G %a' ${p}`).trim();
  expect(stat('/etc/edge-agent')).toBe('root:edge-agent 750');
  expect(stat('/var/lib/edge-agent')).toBe('edge-agent:edge-agent 750');
  // The signing key, made on install by the service user, for the centre to enrol.
  expect(stat('/var/lib/edge-agent/gateway.key')).toBe('edge-agent:edge-agent 600');
  expect(o.run('runuser -u edge-agent -- env STATE_DIRECTORY=/var/lib/edge-agent edge-agent keys show')).toMatch(/fingerprint: SHA256:/);
  expect(stat('/usr/bin/edge-agent')).toBe('root:root 755');
  expect(stat('/lib/systemd/system/edge-agent.service')).toBe('root:root 644');
  expect(stat('/usr/lib/edge-agent/node/bin/node')).toBe('root:root 755');
  expect(o.run('readlink /etc/systemd/system/multi-user.target.wants/edge-agent.service').trim()).toBe('/lib/systemd/system/edge-agent.service');
  // Nothing in the package is writable by anyone but root.
  expect(o.run('find /usr/lib/edge-agent /usr/bin/edge-agent ! -type l \\( -perm -g+w -o -perm -o+w -o ! -user root \\) -print | head -5')).toBe('');
  // Every native module finds its libraries among the Debian packages installed.
  expect(o.run("find /usr/lib/edge-agent -name '*.node' -exec ldd {} + | grep 'not found' || true")).toBe('');
}

export interface RootOverlay {
  /** The merged root folder (writes land in a throw-away upper layer). */
  root: string;
  /** Runs a shell command inside the root (chroot, clean environment); stdout, or throws. */
  run(command: string): string;
  /** Same, but returns the exit code and output instead of throwing. */
  tryRun(command: string): { code: number; stdout: string; stderr: string };
  /** tryRun without blocking this process (for long runs while this process has sockets to serve). */
  runAsync(command: string): Promise<{ code: number; stdout: string; stderr: string }>;
  /** Mounts /proc and /dev for apt and maintainer scripts; unmountSystem() before booting it. */
  mountSystem(): void;
  unmountSystem(): void;
  /** Unmounts everything and deletes the upper layer. Idempotent. */
  dispose(): void;
}

/**
 * A writable copy of `base` for one test: an overlay whose upper layer is thrown away, so the cached
 * root stays bare. Every mount made here is undone by dispose(); nothing is deleted while mounted.
 */
export function overlayRoot(base: string, name: string): RootOverlay {
  const dir = mkdtempSync(join('/var/tmp', `edge-agent-${name}-`));
  const root = join(dir, 'merged');
  for (const d of ['upper', 'work', 'merged']) mkdirSync(join(dir, d));
  sh(`mount -t overlay overlay -o lowerdir='${base}',upperdir='${dir}/upper',workdir='${dir}/work' '${root}'`);
  const system = ['proc', 'dev'];
  const mountedUnder = () =>
    readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .map((l) => l.split(' ')[1] ?? '')
      .filter((m) => m === root || m.startsWith(`${root}/`))
      .sort()
      .reverse();
  const env = 'env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive';
  const chrootArgs = (command: string) => [root, '/bin/sh', '-c', `cd / && exec ${env} /bin/sh -c '${command.replace(/'/g, `'\\''`)}'`];
  const tryRun = (command: string) => {
    const r = spawnSync('chroot', chrootArgs(command), { encoding: 'utf8', maxBuffer: 64 << 20 });
    return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  };
  const runAsync = (command: string) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      const child = spawn('chroot', chrootArgs(command), { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    });
  let disposed = false;
  return {
    root,
    tryRun,
    runAsync,
    run: (command) => {
      const r = tryRun(command);
      if (r.code !== 0) throw new Error(`in root: exit ${r.code}: ${command}\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
      return r.stdout;
    },
    mountSystem: () => {
      sh(`mount -t proc proc '${root}/proc' && mount --bind /dev '${root}/dev'`);
      sh(`cp -L /etc/resolv.conf '${root}/etc/resolv.conf'`);
    },
    unmountSystem: () => {
      for (const m of system.map((s) => `${root}/${s}`)) if (mountedUnder().includes(m)) sh(`umount '${m}' || umount -l '${m}'`);
    },
    dispose: () => {
      if (disposed) return;
      for (const m of mountedUnder()) spawnSync('/bin/sh', ['-c', `umount '${m}' 2>/dev/null || umount -l '${m}'`]);
      if (mountedUnder().length > 0) throw new Error(`still mounted under ${root}; not deleting ${dir}`);
      rmSync(dir, { recursive: true, force: true });
      disposed = true;
    },
  };
}

/**
 * `apt-get install ./<deb>` inside the root, as a technician would: apt resolves the Depends from the
 * Debian mirror. Downloaded packages are seeded from and saved back to a cache on the host.
 */
export function aptInstallDeb(o: RootOverlay, deb: string): string {
  mkdirSync(APT_CACHE, { recursive: true });
  const archives = join(o.root, 'var/cache/apt/archives');
  sh(`cp -n '${APT_CACHE}'/*.deb '${archives}/' 2>/dev/null || true`);
  sh(`cp '${deb}' '${o.root}/tmp/'`);
  const name = deb.split('/').pop()!;
  o.run('apt-get update -qq');
  const out = o.run(`apt-get install -y -q --no-install-recommends /tmp/${name} 2>&1`);
  const fetched = readdirSync(archives).filter((f) => f.endsWith('.deb'));
  if (fetched.length > 0) execFileSync('/bin/sh', ['-c', `cp -n '${archives}'/*.deb '${APT_CACHE}/'`]);
  return out;
}
