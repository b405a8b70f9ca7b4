import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { STREET } from '../helpers/media.js';
import { aptInstallDeb, bareRoot, buildDeb, checkInstalledFiles, installPreconditions, overlayRoot, sh, type RootOverlay } from './debianRoot.js';

// Builds both packages, then installs the amd64 one into a fresh Debian 12 root (debootstrap,
// cached bare; an overlay per run) with apt, as a technician would, and removes and purges it.
// The arm64 package is checked by its contents: every native file must be an aarch64 ELF.
const skip = installPreconditions();
if (skip) console.warn(`Debian package tests skipped: ${skip}`);

const LONG = 1_800_000;
const CONFIG = `gateway: { id: gw-test-01, province: hn, commune: phuc-xa }
secrets_file: /etc/edge-agent/secrets.yaml
outbox: { path: /var/lib/edge-agent/outbox.db }
storage: { snapshot_dir: /var/lib/edge-agent/snapshots }
cameras:
  - id: street-1
    source: file:///var/lib/edge-agent/street.mp4
    detect_fps: 5
  - id: junction-2
    source: rtsp://admin:\${CAM_JUNCTION_2_PASSWORD}@127.0.0.1:1/stream
`;

describe.skipIf(skip)('Debian package', () => {
  const built: Partial<Record<'amd64' | 'arm64', string>> = {};
  let o: RootOverlay | undefined;
  afterAll(() => o?.dispose());

  it('builds the amd64 and arm64 packages with one script', () => {
    for (const arch of ['amd64', 'arm64'] as const) {
      const { path, line } = buildDeb(arch);
      console.log(`package ${arch}: ${line}`);
      expect(sh(`dpkg-deb -f '${path}' Package Architecture Version`)).toMatch(new RegExp(`^Package: edge-agent\\nArchitecture: ${arch}\\nVersion: \\d`));
      built[arch] = path;
    }
  }, LONG);

  it('arm64: node and every native module are aarch64 programs', () => {
    const dir = mkdtempSync('/var/tmp/edge-agent-arm64-');
    try {
      sh(`dpkg-deb -x '${built.arm64}' '${dir}'`);
      const app = join(dir, 'usr/lib/edge-agent');
      const natives = sh(`find '${app}' \\( -name '*.node' -o -name '*.so' -o -name '*.so.*' \\) -type f`).trim().split('\n');
      const names = natives.map((f) => f.split('/').pop());
      // better-sqlite3, gstreamer-superficial, onnxruntime (binding and library), unix-dgram
      expect(names.sort()).toEqual(['better_sqlite3.node', 'gstreamer-superficial.node', 'libonnxruntime.so.1', 'onnxruntime_binding.node', 'unix_dgram.node']);
      for (const f of [...natives, join(app, 'node/bin/node')]) {
        expect(sh(`file -b '${f}'`), f).toMatch(/ELF 64-bit LSB .*ARM aarch64/);
      }
      // GStreamer is linked from Debian's arm64 libraries, not bundled.
      expect(sh(`aarch64-linux-gnu-readelf -d '${natives.find((f) => f.endsWith('gstreamer-superficial.node'))}'`)).toMatch(/NEEDED.*libgstapp-1\.0\.so\.0/);
    } finally {
      sh(`rm -rf '${dir}'`);
    }
  });

  it('installs into a fresh Debian 12 root with apt: files, owners, modes, the user, the unit enabled', () => {
    o = overlayRoot(bareRoot(), 'install');
    o.mountSystem();
    expect(o.tryRun('command -v node').code).not.toBe(0); // a fresh gateway: no Node.js of its own
    aptInstallDeb(o, built.amd64!);
    expect(o.run("dpkg-query -W -f='${Status}' edge-agent")).toBe('install ok installed');

    checkInstalledFiles(o);
  }, LONG);

  it('edge-agent is on the PATH and runs with its own Node: --help, --version, detect on a clip', () => {
    expect(o!.run('command -v edge-agent').trim()).toBe('/usr/bin/edge-agent');
    const help = o!.run('edge-agent --help');
    for (const cmd of ['run', 'detect', 'config', 'camera', 'outbox']) expect(help).toMatch(new RegExp(`^\\s+${cmd}\\b`, 'm'));
    expect(o!.run('edge-agent --version').trim()).toMatch(/^\d+\.\d+\.\d+$/);
    sh(`cp '${STREET}' '${o!.root}/var/lib/edge-agent/street.mp4' && chown --reference='${o!.root}/var/lib/edge-agent' '${o!.root}/var/lib/edge-agent/street.mp4'`);
    // GStreamer from Debian, onnxruntime and the model files from the package, as the service user.
    const out = o!.run('runuser -u edge-agent -- edge-agent detect /var/lib/edge-agent/street.mp4 --fps 2 --frames 3');
    const frames = out.trim().split('\n').map((l) => JSON.parse(l) as { detections: { label: string }[] });
    expect(frames).toHaveLength(3);
    expect(frames.flatMap((f) => f.detections).some((d) => d.label === 'person')).toBe(true);
  }, LONG);

  it('the service user reads a config and secrets written by root (0640 root:edge-agent); config validate passes', () => {
    sh(`cat > '${o!.root}/etc/edge-agent/edge-agent.yaml' <<'EOF'\n${CONFIG}EOF`);
    sh(`printf 'CAM_JUNCTION_2_PASSWORD: s3cret\\n' > '${o!.root}/etc/edge-agent/secrets.yaml'`);
    o!.run('chgrp edge-agent /etc/edge-agent/edge-agent.yaml /etc/edge-agent/secrets.yaml && chmod 0640 /etc/edge-agent/edge-agent.yaml /etc/edge-agent/secrets.yaml');
    const validate = o!.tryRun('runuser -u edge-agent -- edge-agent config validate /etc/edge-agent/edge-agent.yaml');
    expect(validate.code, validate.stderr).toBe(0);
    expect(validate.stdout).toContain('OK (2 camera(s), gateway gw-test-01)');
    expect(o!.tryRun('runuser -u nobody -- cat /etc/edge-agent/secrets.yaml').code).not.toBe(0); // nobody else
  });

  it('edge-agent doctor runs as the service user: GStreamer, decoders and the bundled model pass', () => {
    expect(o!.run('edge-agent --help')).toMatch(/^\s+doctor\b/m);
    const doctor = o!.tryRun('runuser -u edge-agent -- edge-agent doctor --config /etc/edge-agent/edge-agent.yaml');
    const out = doctor.stdout + doctor.stderr;
    // No broker, no reachable RTSP camera and no systemd here: fails are expected, a crash is not.
    expect(out).toMatch(/^gstreamer\s+PASS/m);
    expect(out).toMatch(/^H\.264 decoder\s+PASS/m);
    expect(out).toMatch(/^model yolox-nano-int8\s+PASS/m);
    expect(doctor.stderr).not.toMatch(/unexpected error|\n\s+at /);
  });

  it('remove keeps config, secrets, outbox and snapshots; a reinstall (upgrade path) keeps them too; purge deletes them', () => {
    // State as the running service leaves it.
    o!.run('runuser -u edge-agent -- sh -c "umask 027; mkdir -p /var/lib/edge-agent/snapshots/street-1 && echo row > /var/lib/edge-agent/outbox.db && echo jpg > /var/lib/edge-agent/snapshots/street-1/a.jpg"');
    const kept = ['/etc/edge-agent/edge-agent.yaml', '/etc/edge-agent/secrets.yaml', '/var/lib/edge-agent/outbox.db', '/var/lib/edge-agent/snapshots/street-1/a.jpg'];
    const exists = (p: string) => o!.tryRun(`test -e ${p}`).code === 0;

    o!.run('apt-get remove -y -q edge-agent');
    expect(o!.run("dpkg-query -W -f='${Status}' edge-agent")).toBe('deinstall ok config-files');
    expect(exists('/usr/bin/edge-agent')).toBe(false);
    expect(exists('/usr/lib/edge-agent')).toBe(false);
    for (const p of kept) expect(exists(p), p).toBe(true);

    aptInstallDeb(o!, built.amd64!);
    o!.run(`apt-get install -y -q --reinstall /tmp/${built.amd64!.split('/').pop()}`); // configure with a previous version: the upgrade path
    for (const p of kept) expect(exists(p), p).toBe(true);
    expect(o!.run('stat -c "%U:%G %a" /etc/edge-agent/secrets.yaml').trim()).toBe('root:edge-agent 640');
    expect(o!.run('runuser -u edge-agent -- cat /var/lib/edge-agent/outbox.db').trim()).toBe('row');

    o!.run('apt-get purge -y -q edge-agent');
    expect(o!.tryRun('dpkg-query -W -f="${Status}" edge-agent').stdout).not.toContain('installed');
    for (const p of ['/etc/edge-agent', '/var/lib/edge-agent', '/usr/lib/edge-agent', '/etc/systemd/system/multi-user.target.wants/edge-agent.service']) {
      expect(exists(p), p).toBe(false);
    }
    // The system user stays (Debian's rule for system users: a reused uid would inherit its files).
    expect(o!.tryRun('getent passwd edge-agent').code).toBe(0);
  }, LONG);
});
