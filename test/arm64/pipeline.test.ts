import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/ports.js';
import { jsonLines, ROOT, runCli, STREET, tempDir } from '../helpers/media.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import { Collector, waitFor } from '../integration/uplink/support.js';
import { buildDeb, checkInstalledFiles, installPreconditions, overlayRoot, packageRoot, sh, type RootOverlay } from '../install/debianRoot.js';
import { alertRows, sideBySide, type AlertRow } from './alertRows.js';

// The gateways' architecture under emulation (qemu-user through binfmt_misc): the arm64 package,
// cross-built on this host, installed into an arm64 Debian 12 root whose Depends are cached; then
// the whole pipeline there (GStreamer decode, int8 detector, tracker, rules, outbox, MQTT), compared
// alert by alert with the same runs on x86 in this process's own run. Run by scripts/test-arm64.
const skip = installPreconditions();
if (skip) console.warn(`arm64 tests skipped: ${skip}`);

const LONG = 3_600_000;
const GATEWAY = { id: 'gw-arm64-01', province: 'hn', commune: 'phuc-xa' };

/** Stage times, printed at the end (cold and warm runs differ in the first three). */
const times: [string, number][] = [];
function timed<T>(stage: string, fn: () => T): T {
  const t0 = Date.now();
  try {
    return fn();
  } finally {
    times.push([stage, (Date.now() - t0) / 1000]);
  }
}
async function timedAsync<T>(stage: string, fn: () => Promise<T>): Promise<T> {
  const t0 = Date.now();
  try {
    return await fn();
  } finally {
    times.push([stage, (Date.now() - t0) / 1000]);
  }
}

/**
 * The example config with the clip, the state and (optionally) a broker: the same for both
 * architectures. At 2 frames per second instead of 5: emulated inference takes over a second a
 * frame, and on x86 the clip gives the same alerts and counts at 2 as at 5 (at 1 the tracker loses
 * people between frames).
 */
function siteConfig(o: { clip: string; state: string; broker?: string }): string {
  const doc = parseDocument(readFileSync(join(ROOT, 'config', 'example.yaml'), 'utf8'));
  doc.setIn(['cameras', 0, 'detect_fps'], 2);
  doc.setIn(['gateway', 'id'], GATEWAY.id);
  doc.setIn(['cameras', 0, 'source'], `file://${o.clip}`);
  doc.setIn(['outbox', 'path'], `${o.state}/outbox.db`);
  doc.setIn(['storage', 'snapshot_dir'], `${o.state}/snapshots`);
  doc.setIn(['logging', 'level'], 'warn');
  if (o.broker) doc.set('mqtt', { urls: [o.broker], health_interval_s: 0 });
  return String(doc);
}

/** Alert and count messages an agent published to `url` while `run` lasted, as rows to compare. */
async function collectRun(url: string, run: () => Promise<{ code: number | null; stderr: string }>): Promise<AlertRow[]> {
  const sub = await Collector.open(url, ['edge/#']);
  try {
    const r = await run();
    expect(r.code, r.stderr.slice(-3000)).toBe(0);
    await new Promise((res) => setTimeout(res, 500)); // the last messages in flight
    return alertRows(sub.messages.filter((m) => /\/(alert|count)\//.test(m.topic)).map((m) => JSON.parse(m.payload.toString('utf8')) as Record<string, unknown>));
  } finally {
    await sub.close();
  }
}

/** A job started in beforeAll and awaited by its test; a failure is kept for that test to report. */
type Job<T> = Promise<{ ok: true; value: T } | { ok: false; error: unknown }>;
function job<T>(p: Promise<T>): Job<T> {
  return p.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}
async function result<T>(j: Job<T>): Promise<T> {
  const r = await j;
  if (!r.ok) throw r.error;
  return r.value;
}

describe.skipIf(skip)('arm64 gateway under emulation', () => {
  let o: RootOverlay;
  let mosquitto: ChildProcess | undefined;
  const x86: { replay: AlertRow[]; run: AlertRow[] } = { replay: [], run: [] };
  let armReplay: Job<{ code: number; stdout: string; stderr: string }>;
  let armRun: Job<AlertRow[]>;
  let doctor: { code: number; stdout: string; stderr: string };

  beforeAll(async () => {
    const deb = timed('arm64 package (cross-built)', () => buildDeb('arm64').path);
    const root = timed('arm64 root with the Depends', () => packageRoot('arm64', deb, ['mosquitto']));
    o = overlayRoot(root, 'arm64');
    o.mountSystem();
    sh(`cp '${deb}' '${o.root}/tmp/'`);
    timed('install the package', () => o.run(`dpkg -i /tmp/${deb.split('/').pop()} 2>&1`));
    sh(`cp '${STREET}' '${o.root}/var/lib/edge-agent/street.mp4' && chown --reference='${o.root}/var/lib/edge-agent' '${o.root}/var/lib/edge-agent/street.mp4'`);

    // x86 first (this checkout, the host's Mosquitto): seconds.
    const dir = tempDir();
    writeFileSync(join(dir, 'replay.yaml'), siteConfig({ clip: STREET, state: join(dir, 'replay') }));
    const host = await timedAsync('replay (x86)', () => runCli(['replay', STREET, '--config', join(dir, 'replay.yaml')], { timeoutMs: 600_000 }));
    expect(host.code, host.stderr.slice(-2000)).toBe(0);
    x86.replay = alertRows(jsonLines(host.stdout).filter((l) => !('summary' in l)));
    const broker = await startMosquitto();
    try {
      writeFileSync(join(dir, 'run.yaml'), siteConfig({ clip: STREET, state: join(dir, 'run'), broker: broker.url }));
      // With MQTT the agent signs what it sends: its key beside the outbox, as `keys init` makes it.
      expect((await runCli(['keys', 'init', '--config', join(dir, 'run.yaml'), '--quiet'])).code).toBe(0);
      x86.run = await timedAsync('run + MQTT (x86)', () => collectRun(broker.url, () => runCli(['run', '--config', join(dir, 'run.yaml')], { timeoutMs: 600_000 })));
    } finally {
      await broker.dispose();
    }

    // arm64: replay and run at once (each keeps about one emulated core busy). The root's own
    // Mosquitto, an aarch64 program too, on a loopback port; the chroot shares this machine's
    // network, so the subscriber stays on the host.
    for (const name of ['replay', 'run']) {
      const broker = name === 'run' ? `mqtt://127.0.0.1:${await freePort()}` : undefined;
      writeFileSync(join(o.root, `etc/edge-agent/${name}.yaml`), siteConfig({ clip: '/var/lib/edge-agent/street.mp4', state: `/var/lib/edge-agent/${name}`, broker }));
    }
    o.run('chgrp edge-agent /etc/edge-agent/*.yaml && chmod 0640 /etc/edge-agent/*.yaml');
    // Before the long runs: its checks have deadlines made for a real gateway, not for two emulated agents beside it.
    doctor = await timedAsync('doctor (arm64)', () => o.runAsync('runuser -u edge-agent -- edge-agent doctor --config /etc/edge-agent/replay.yaml'));
    o.run('runuser -u edge-agent -- edge-agent keys init --config /etc/edge-agent/run.yaml --quiet');
    const url = /mqtt:\/\/[^\s"']+/.exec(readFileSync(join(o.root, 'etc/edge-agent/run.yaml'), 'utf8'))![0];
    writeFileSync(join(o.root, 'tmp/mosquitto.conf'), `listener ${new URL(url).port} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest stderr\n`);
    const mosq = (mosquitto = spawn('chroot', [o.root, '/usr/sbin/mosquitto', '-c', '/tmp/mosquitto.conf'], { stdio: ['ignore', 'ignore', 'pipe'] }));
    let mosqLog = '';
    mosq.stderr!.on('data', (d: Buffer) => (mosqLog += d.toString()));
    await waitFor(() => /mosquitto version .* running/.test(mosqLog), `the arm64 Mosquitto to start:\n${mosqLog}`, 120_000);
    const t0 = Date.now();
    const done = (stage: string) => () => times.push([stage, (Date.now() - t0) / 1000]);
    const replay = o.runAsync('runuser -u edge-agent -- edge-agent replay /var/lib/edge-agent/street.mp4 --config /etc/edge-agent/replay.yaml');
    armReplay = job(replay.finally(done('replay (arm64, beside run)')));
    armRun = job(collectRun(url, () => o.runAsync('runuser -u edge-agent -- edge-agent run --config /etc/edge-agent/run.yaml')).finally(done('run + MQTT (arm64, beside replay)')));
  }, LONG);

  afterAll(async () => {
    await Promise.all([armReplay, armRun]); // never leave an emulated agent running in a root being unmounted
    mosquitto?.kill('SIGTERM');
    o?.dispose();
    const table = times.map(([s, t]) => `  ${s.padEnd(36)} ${t.toFixed(0).padStart(5)} s`).join('\n');
    console.log(`arm64 stage times:\n${table}`);
    mkdirSync(join(ROOT, 'var'), { recursive: true });
    writeFileSync(join(ROOT, 'var', 'arm64-times.json'), JSON.stringify(Object.fromEntries(times), null, 2));
  }, LONG);

  it('the root runs aarch64 code, and the package installs as on amd64: files, owners, modes, the user, the unit', () => {
    expect(o.run('uname -m').trim()).toBe('aarch64');
    expect(o.run('/usr/lib/edge-agent/node/bin/node -p process.arch').trim()).toBe('arm64');
    expect(o.run("dpkg-query -W -f='${Status} ${Architecture}' edge-agent")).toBe('install ok installed arm64');
    checkInstalledFiles(o);
  }, LONG);

  it('edge-agent doctor passes GStreamer, the H.264 decoder and the bundled model, as the service user', () => {
    const out = doctor.stdout + doctor.stderr;
    expect(out).toMatch(/^gstreamer\s+PASS/m);
    expect(out).toMatch(/^H\.264 decoder\s+PASS/m);
    expect(out).toMatch(/^model yolox-nano-int8\s+PASS/m);
    expect(doctor.stderr).not.toMatch(/unexpected error|\n\s+at /);
  });

  it('replay of the street clip: the same alerts per rule and counts per line as on x86', async () => {
    const arm = await result(armReplay);
    expect(arm.code, arm.stderr.slice(-2000)).toBe(0);
    const rows = alertRows(jsonLines(arm.stdout).filter((l) => !('summary' in l)));
    expect(x86.replay.length).toBeGreaterThan(0); // the clip raises alerts: a comparison of nothing proves nothing
    expect(rows, sideBySide('x86 replay', x86.replay, 'arm64 replay', rows)).toEqual(x86.replay);
  }, LONG);

  it('run publishing to a Mosquitto inside the arm64 root: the same alerts and counts as run on x86', async () => {
    const rows = await result(armRun);
    expect(x86.run.length).toBeGreaterThan(0);
    expect(rows, sideBySide('x86 run', x86.run, 'arm64 run', rows)).toEqual(x86.run);
  }, LONG);

  // scripts/test-arm64 --bench: the model bench inside the root with the package's own modules.
  it.runIf(process.env['EDGE_AGENT_ARM64_BENCH'] === '1')('bench: int8 vs fp32 under EMULATION (the ratio says little about a real arm64 core)', () => {
    sh(`mkdir -p '${o.root}/usr/lib/edge-agent/dist/scripts' '${o.root}/usr/lib/shared/videos' && cp '${ROOT}'/dist/scripts/*.js '${o.root}/usr/lib/edge-agent/dist/scripts/'`);
    sh(`cp '${STREET}' '${o.root}/usr/lib/shared/videos/'`); // where the bench looks: ../shared beside the project
    const out = timed('bench models (arm64, emulated)', () => o.run('cd /usr/lib/edge-agent && node/bin/node dist/scripts/bench.js --json --frames 20 --parts models'));
    const figures = JSON.parse(out.trim().split('\n').pop()!) as { models: Record<string, { model_only_fps: number }> };
    const ratio = figures.models['yolox-nano-int8']!.model_only_fps / figures.models['yolox-nano']!.model_only_fps;
    console.log(`arm64 bench, EMULATED under qemu-user (only ratios within this run mean anything, and loosely):\n${out}int8 / fp32 model-only throughput: ${ratio.toFixed(2)} (emulated)`);
    writeFileSync(join(ROOT, 'var', 'arm64-bench.json'), JSON.stringify({ emulated: true, int8_vs_fp32_model_only: ratio, ...figures }, null, 2));
    expect(ratio).toBeGreaterThan(0);
  }, LONG);
});
