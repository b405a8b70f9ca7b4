import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STREET } from '../helpers/media.js';
import { startRtspServer, type RtspServer } from '../helpers/rtspServer.js';
import { aptInstallDeb, bareRoot, buildDeb, installPreconditions, overlayRoot, sh, type RootOverlay } from './debianRoot.js';

// The installed package under systemd for real: the Debian root boots with systemd as its PID 1
// (systemd-nspawn -b; this works whatever the host's init is) and the unit is driven with systemctl
// through nsenter. The camera is the street clip served over RTSP on the host's loopback (the
// container shares the host's network). The unit is used exactly as shipped (WatchdogSec=30).
const NSPAWN = '/usr/bin/systemd-nspawn';
const skip =
  installPreconditions() ??
  (existsSync(NSPAWN) ? undefined : 'needs systemd-nspawn (Debian package systemd-container; scripts/setup installs it)') ??
  (existsSync('/usr/bin/nsenter') ? undefined : 'needs nsenter (util-linux)');
if (skip) console.warn(`systemd service tests skipped: ${skip}`);

const LONG = 1_800_000;
const CONF = '/etc/edge-agent/edge-agent.yaml';

function config(rtspUrl: string, extra = ''): string {
  return `gateway: { id: gw-test-01, province: hn, commune: phuc-xa }
outbox: { path: /var/lib/edge-agent/outbox.db }
storage: { snapshot_dir: /var/lib/edge-agent/snapshots }
${extra}cameras:
  - id: street-1
    source: ${rtspUrl}
    detect_fps: 2
    stall_timeout_s: 5
`;
}

/** Polls `read` until `test` holds; the limit is a guard against hanging, not a measurement. */
async function until<T>(read: () => T, test: (v: T) => boolean, what: string, limitMs = 240_000): Promise<T> {
  const end = Date.now() + limitMs;
  let v = read();
  while (!test(v)) {
    if (Date.now() > end) throw new Error(`${what}: still ${JSON.stringify(v)} after ${limitMs} ms`);
    await new Promise((r) => setTimeout(r, 500));
    v = read();
  }
  return v;
}

describe.skipIf(skip)('edge-agent under systemd (systemd-nspawn boot of a Debian 12 root)', () => {
  let o: RootOverlay;
  let rtsp: RtspServer;
  let nspawn: ChildProcess | undefined;
  let console_ = '';
  let leader = 0;
  let debName = '';

  /** Runs a command in the container's namespaces (its systemctl, its pids); stdout, or throws. */
  const inside = (command: string) => sh(`nsenter -t ${leader} -a /bin/sh -c '${command.replace(/'/g, `'\\''`)}'`);
  const tryInside = (command: string) => spawnSync('nsenter', ['-t', String(leader), '-a', '/bin/sh', '-c', command], { encoding: 'utf8' });
  const show = (): Record<string, string> =>
    Object.fromEntries(
      inside('systemctl show edge-agent -p ActiveState,SubState,Result,MainPID,NRestarts,StatusText,ExecMainStatus,ConditionResult')
        .trim()
        .split('\n')
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
  const writeConfig = (text: string) => {
    writeFileSync(join(o.root, CONF.slice(1)), text);
    inside(`chgrp edge-agent ${CONF} && chmod 0640 ${CONF}`);
  };

  beforeAll(async () => {
    const deb = buildDeb('amd64').path;
    debName = deb.split('/').pop()!;
    rtsp = await startRtspServer(STREET);
    o = overlayRoot(bareRoot(), 'nspawn');
    o.mountSystem();
    aptInstallDeb(o, deb);
    sh(`cp '${deb}' '${o.root}/root/'`); // for the upgrade under systemd below
    o.unmountSystem();
    const machine = `edge-agent-test-${process.pid}`;
    nspawn = spawn(NSPAWN, ['-b', '--register=no', '--keep-unit', '-D', o.root, '-M', machine], { stdio: ['ignore', 'pipe', 'pipe'] });
    nspawn.stdout!.on('data', (d: Buffer) => (console_ += d.toString()));
    nspawn.stderr!.on('data', (d: Buffer) => (console_ += d.toString()));
    // The container's PID 1 is nspawn's child.
    leader = await until(
      () => {
        const kids = readFileSync(`/proc/${nspawn!.pid}/task/${nspawn!.pid}/children`, 'utf8').trim();
        return Number(kids.split(' ')[0] || 0);
      },
      (pid) => pid > 0,
      'container PID 1',
      60_000,
    );
    const state = await until(() => tryInside('systemctl is-system-running').stdout.trim(), (s) => s === 'running' || s === 'degraded', 'boot').catch(
      (err: Error) => {
        throw new Error(`${err.message}\ncontainer console:\n${console_.slice(-3000)}`);
      },
    );
    if (state === 'degraded') console.warn(`container booted degraded:\n${inside('systemctl --failed --no-pager || true')}`);
  }, LONG);

  afterAll(async () => {
    if (nspawn && nspawn.exitCode === null) {
      const exited = new Promise((r) => nspawn!.once('exit', r));
      tryInside('systemctl poweroff');
      const guard = setTimeout(() => nspawn!.kill('SIGKILL'), 60_000);
      await exited;
      clearTimeout(guard);
    }
    o?.dispose();
    await rtsp?.stop();
  }, LONG);

  it('is enabled, and without a config it does not start (ConditionPathExists)', () => {
    expect(inside('systemctl is-enabled edge-agent').trim()).toBe('enabled');
    expect(show()).toMatchObject({ ActiveState: 'inactive', ConditionResult: 'no' });
  });

  it('start → active only after READY=1; STATUS shows the cameras, the outbox and the broker', async () => {
    writeConfig(config(rtsp.url('h264')));
    // Type=notify: systemctl start returns once the agent said READY=1 (or failed).
    inside('systemctl start edge-agent');
    expect(show()).toMatchObject({ ActiveState: 'active', SubState: 'running', NRestarts: '0' });
    const s = await until(show, (v) => /^1 camera: 1 online, 0 offline; outbox \d+ pending; no broker configured$/.test(v['StatusText'] ?? ''), 'STATUS online');
    console.log(`StatusText: ${s['StatusText']}`);
    expect(inside('systemctl status edge-agent --no-pager || true')).toContain('Status: "1 camera: 1 online');
    // The sandbox as run: the service user, umask 027 state files, nothing else can read them.
    expect(inside(`ps -o user= -p ${s['MainPID']}`).trim()).toBe('edge-agent');
    await until(() => tryInside('test -f /var/lib/edge-agent/outbox.db').status, (c) => c === 0, 'outbox created');
    expect(inside('stat -c "%U %a" /var/lib/edge-agent /var/lib/edge-agent/outbox.db').trim().split('\n')).toEqual(['edge-agent 750', 'edge-agent 640']);
  }, LONG);

  it('kill -STOP of the main process: the watchdog misses its pings and systemd restarts the agent', async () => {
    const before = show();
    inside(`kill -STOP ${before['MainPID']}`);
    const after = await until(
      show,
      (v) => Number(v['NRestarts']) >= 1 && v['ActiveState'] === 'active' && v['MainPID'] !== before['MainPID'] && v['MainPID'] !== '0',
      'restart by the watchdog',
    );
    console.log(`watchdog restart: NRestarts ${before['NRestarts']} → ${after['NRestarts']}, MainPID ${before['MainPID']} → ${after['MainPID']}`);
    expect(inside('journalctl -u edge-agent --no-pager -o cat')).toMatch(/Watchdog timeout/);
    await until(show, (v) => /1 online/.test(v['StatusText'] ?? ''), 'STATUS online after the restart');
  }, LONG);

  it('stop: a clean exit, inactive', () => {
    inside('systemctl stop edge-agent');
    expect(show()).toMatchObject({ ActiveState: 'inactive', Result: 'success', ExecMainStatus: '0' });
  }, LONG);

  it('a config error exits 2 and is not restarted', async () => {
    writeConfig(config(rtsp.url('h264'), 'no_such_key: 1\n'));
    const start = tryInside('systemctl start edge-agent');
    expect(start.status).not.toBe(0);
    // With a restart pending the unit would be "activating (auto-restart)"; "failed" means none is.
    const v = show();
    expect(v).toMatchObject({ ActiveState: 'failed', Result: 'exit-code', ExecMainStatus: '2' });
    expect(inside('journalctl -u edge-agent --no-pager -o cat')).toMatch(/no_such_key/);
  }, LONG);

  it('an upgrade under systemd restarts a running agent and leaves a stopped one stopped', async () => {
    writeConfig(config(rtsp.url('h264')));
    inside('systemctl reset-failed edge-agent; systemctl start edge-agent');
    const before = show();
    expect(before['ActiveState']).toBe('active');
    const reinstall = () => inside(`DEBIAN_FRONTEND=noninteractive apt-get install -y -q --reinstall /root/${debName}`);
    reinstall();
    const after = await until(show, (v) => v['ActiveState'] === 'active' && v['MainPID'] !== before['MainPID'], 'restarted by the upgrade');
    expect(after['MainPID']).not.toBe('0');
    inside('systemctl stop edge-agent');
    reinstall();
    expect(show()).toMatchObject({ ActiveState: 'inactive', MainPID: '0' });
    expect(inside('systemctl is-enabled edge-agent').trim()).toBe('enabled');
  }, LONG);

  it("the sandbox set itself up every time (no 2xx exit status of systemd's own)", () => {
    expect(inside('journalctl -u edge-agent --no-pager -o cat')).not.toMatch(/Failed to set up|status=2\d\d\//);
  });
});
