import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli, tempDir } from '../helpers/media.js';

// Dockerfile.arm64 "builds in principle": no container engine runs here, so the build stage's file
// set is rebuilt by hand from its COPY lines and compiled with tsc in a temporary folder, and the
// runtime stage's config, volume and user are checked from the file.
const DOCKERFILE = readFileSync(join(ROOT, 'Dockerfile.arm64'), 'utf8');

interface Stage {
  lines: string[];
  workdir: string;
}

/** Instructions per stage, with continuation lines joined. */
function stages(text: string): Stage[] {
  const joined = text.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const out: Stage[] = [];
  for (const l of joined) {
    if (/^FROM\s/i.test(l)) out.push({ lines: [], workdir: '/' });
    const s = out[out.length - 1]!;
    s.lines.push(l);
    const w = /^WORKDIR\s+(\S+)/i.exec(l);
    if (w) s.workdir = posix.resolve(s.workdir, w[1]!);
  }
  return out;
}

/** The build context files a stage COPYs (not --from), as [source, destination inside the image]. */
function contextCopies(stage: Stage): [string, string][] {
  const pairs: [string, string][] = [];
  let workdir = '/';
  for (const l of stage.lines) {
    const w = /^WORKDIR\s+(\S+)/i.exec(l);
    if (w) workdir = posix.resolve(workdir, w[1]!);
    const c = /^COPY\s+(.*)$/i.exec(l);
    if (!c || /--from=/.test(c[1]!)) continue;
    const args = c[1]!.split(/\s+/).filter((a) => !a.startsWith('--'));
    const dest = args.pop()!;
    for (const src of args) {
      const target = posix.resolve(workdir, dest);
      pairs.push([src, dest.endsWith('/') ? posix.join(target, posix.basename(src)) : target]);
    }
  }
  return pairs;
}

/** Lays the build stage's files out as the image would have them under its WORKDIR, and runs tsc there. */
function compileBuildStage(extra: string[] = []): { code: number | null; out: string; dir: string } {
  const build = stages(DOCKERFILE)[0]!;
  const dir = tempDir('edge-agent-docker-');
  for (const [src, dest] of contextCopies(build)) {
    const to = join(dir, posix.relative(build.workdir, dest));
    mkdirSync(dirname(to), { recursive: true });
    cpSync(join(ROOT, src), to, { recursive: true });
  }
  for (const src of extra) cpSync(join(ROOT, src), join(dir, src), { recursive: true });
  // npm ci's result in the image; here the project's own (the same lock file).
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  const r = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: dir, encoding: 'utf8' });
  return { code: r.status, out: r.stdout + r.stderr, dir };
}

describe('Dockerfile.arm64', () => {
  it('the files its build stage copies compile on their own (tsc in a temporary folder)', () => {
    const copies = contextCopies(stages(DOCKERFILE)[0]!).map(([src]) => src);
    expect(copies).toContain('src');
    const { code, out, dir } = compileBuildStage();
    try {
      expect(code, out).toBe(0);
      expect(existsSync(join(dir, 'dist', 'src', 'main.js'))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('copying scripts/ as well would not compile: the simulator imports test/ (TS2307)', () => {
    const { code, out, dir } = compileBuildStage(['scripts']);
    rmSync(dir, { recursive: true, force: true });
    expect(code).not.toBe(0);
    expect(out).toMatch(/scripts\/camera-sim\.ts.*TS2307/);
  });

  it('the runtime image: state volume owned by the service user, made before VOLUME; runs as that user', () => {
    const runtime = stages(DOCKERFILE).at(-1)!;
    const at = (re: RegExp) => runtime.lines.findIndex((l) => re.test(l));
    const made = at(/install -d -m 0750 -o edge-agent -g edge-agent \/var\/lib\/edge-agent/);
    const volume = at(/^VOLUME .*"\/var\/lib\/edge-agent"/);
    expect(made).toBeGreaterThan(0);
    expect(volume).toBeGreaterThan(made); // a new named volume takes the folder's owner and mode
    expect(runtime.lines[at(/^USER /)]).toBe('USER edge-agent');
    expect(runtime.lines[made]).toMatch(/useradd --system --home-dir \/var\/lib\/edge-agent .*edge-agent/);
  });

  it('its default config keeps the outbox and snapshots in the state volume, points at nothing outside, and validates', async () => {
    const runtime = stages(DOCKERFILE).at(-1)!;
    const copied = contextCopies(runtime).find(([, dest]) => dest === '/etc/edge-agent/edge-agent.yaml');
    expect(copied).toBeDefined();
    const file = join(ROOT, copied![0]);
    const cfg = parse(readFileSync(file, 'utf8')) as { outbox: { path: string }; storage: { snapshot_dir: string }; cameras: { source: string }[] };
    expect(cfg.outbox.path.startsWith('/var/lib/edge-agent/')).toBe(true);
    expect(cfg.storage.snapshot_dir.startsWith('/var/lib/edge-agent/')).toBe(true);
    for (const c of cfg.cameras) expect(c.source).not.toMatch(/^file:|\/shared\//);
    const r = await runCli(['config', 'validate', file], { env: { CAM_JUNCTION_2_PASSWORD: 'x' } });
    expect(r.code, r.stderr).toBe(0);
  });
});
