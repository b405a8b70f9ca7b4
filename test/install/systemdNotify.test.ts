import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { agentProbe, type CameraProgress } from '../../src/health/serviceProbe.js';
import { createNotifier, superviseService, watchdogIntervalMs, type ProbeResult } from '../../src/health/systemdNotify.js';
import { ROOT, runCli, STREET, tempDir } from '../helpers/media.js';
import { startRtspServer, type RtspServer } from '../helpers/rtspServer.js';
import { startNotifyListener, type NotifyListener } from './notifyListener.js';

const texts = (l: NotifyListener) => l.messages.map((m) => m.message);

describe('systemd notify protocol against a notify socket', () => {
  let listener: NotifyListener | undefined;
  afterEach(async () => {
    await listener?.stop();
    listener = undefined;
  });

  it('sends READY, STATUS, WATCHDOG and STOPPING from this process, as systemd attributes them', async () => {
    listener = await startNotifyListener(join(tempDir(), 'notify'));
    const n = createNotifier(undefined, { NOTIFY_SOCKET: listener.socket });
    expect(n.enabled).toBe(true);
    n.ready();
    n.status('2 cameras: 1 online,\n1 offline');
    n.watchdog();
    n.stopping();
    await listener.waitFor((m) => m.length === 4, 'four messages');
    expect(texts(listener)).toEqual(['READY=1', 'STATUS=2 cameras: 1 online, 1 offline', 'WATCHDOG=1', 'STOPPING=1']);
    // NotifyAccess=main: systemd accepts only datagrams whose kernel-given pid is the main pid.
    expect(listener.messages.every((m) => m.pid === process.pid)).toBe(true);
  });

  it('is a no-op without NOTIFY_SOCKET, and a socket nobody listens on is not an error', () => {
    const off = createNotifier(undefined, {});
    expect(off.enabled).toBe(false);
    off.ready();
    off.watchdog();
    const warnings: string[] = [];
    const log = { warn: (_o: unknown, msg: string) => warnings.push(msg), error: () => undefined } as never;
    const dangling = createNotifier(log, { NOTIFY_SOCKET: join(tempDir(), 'nobody-here') });
    expect(dangling.enabled).toBe(true);
    dangling.ready();
    dangling.watchdog();
    expect(warnings).toHaveLength(1); // logged once, never thrown
  });

  it('reads the ping interval from WATCHDOG_USEC (half of it) and ignores one meant for another pid', () => {
    expect(watchdogIntervalMs({ WATCHDOG_USEC: '30000000' }, 42)).toBe(15_000);
    expect(watchdogIntervalMs({ WATCHDOG_USEC: '30000000', WATCHDOG_PID: '42' }, 42)).toBe(15_000);
    expect(watchdogIntervalMs({ WATCHDOG_USEC: '30000000', WATCHDOG_PID: '7' }, 42)).toBeUndefined();
    expect(watchdogIntervalMs({}, 42)).toBeUndefined();
  });

  it('supervisor pings only while the probe says healthy and sends STATUS only when it changes', async () => {
    listener = await startNotifyListener(join(tempDir(), 'notify'));
    const notifier = createNotifier(undefined, { NOTIFY_SOCKET: listener.socket });
    const script: ProbeResult[] = [
      { healthy: true, status: 'a' },
      { healthy: true, status: 'a' },
      { healthy: false, status: 'b' },
      { healthy: false, status: 'b' },
      { healthy: true, status: 'a' },
    ];
    let calls = 0;
    let done!: () => void;
    const finished = new Promise<void>((r) => (done = r));
    const sup = superviseService({
      notifier,
      intervalMs: 10,
      watchdog: true,
      probe: () => {
        const r = script[Math.min(calls, script.length - 1)]!;
        if (++calls === script.length) done();
        return r;
      },
    });
    await finished;
    sup.stop();
    await listener.waitFor((m) => m.length === 6, 'six messages');
    expect(texts(listener)).toEqual(['STATUS=a', 'WATCHDOG=1', 'WATCHDOG=1', 'STATUS=b', 'STATUS=a', 'WATCHDOG=1']);
  });
});

describe('agent probe', () => {
  const cams = (entries: [string, CameraProgress][]) => new Map(entries);

  it('is healthy while every camera loop makes progress, and counts cameras by state', () => {
    const counters = cams([
      ['a', { frames: 0, restarts: 0, state: 'online' }],
      ['b', { frames: 0, restarts: 0, state: 'offline' }],
    ]);
    const probe = agentProbe({ counters, pending: () => 3, brokerConnected: () => false });
    expect(probe()).toEqual({ healthy: true, status: '2 cameras: 1 online, 1 offline; outbox 3 pending; broker disconnected' });
    for (let i = 1; i <= 5; i++) {
      counters.get('a')!.frames = i * 10;
      expect(probe().healthy).toBe(true);
    }
  });

  it('withholds health when an online camera loop stops taking frames for a whole watchdog period', () => {
    const counters = cams([['a', { frames: 5, restarts: 0, state: 'online' }]]);
    const probe = agentProbe({ counters, brokerConnected: () => true });
    expect(probe().healthy).toBe(true);
    expect(probe().healthy).toBe(true); // one half-period without a frame: still fine
    const stuck = probe();
    expect(stuck).toEqual({ healthy: false, status: '1 camera: 1 online, 0 offline; broker connected; no progress: a' });
    counters.get('a')!.frames++;
    expect(probe().healthy).toBe(true);
  });

  it('an offline camera backing off, or an ended file, is not a wedged loop', () => {
    const counters = cams([
      ['a', { frames: 5, restarts: 3, state: 'offline' }],
      ['b', { frames: 90, restarts: 0, state: 'ended' }],
    ]);
    const probe = agentProbe({ counters });
    for (let i = 0; i < 5; i++) expect(probe().healthy).toBe(true);
    expect(probe().status).toBe('2 cameras: 0 online, 1 offline, 1 ended; no broker configured');
  });
});

describe('edge-agent run under a notify socket', () => {
  let rtsp: RtspServer | undefined;
  let listener: NotifyListener | undefined;
  afterEach(async () => {
    await rtsp?.stop();
    await listener?.stop();
    rtsp = listener = undefined;
  });

  it('says READY after start, STATUS with the cameras, pings while a stalled camera is offline, STOPPING on SIGTERM', async () => {
    rtsp = await startRtspServer(STREET);
    const dir = tempDir();
    listener = await startNotifyListener(join(dir, 'notify'));
    const doc = parseDocument(readFileSync(join(ROOT, 'config', 'example.yaml'), 'utf8'));
    doc.setIn(['cameras', 0, 'source'], rtsp.url('h264'));
    doc.setIn(['cameras', 0, 'stall_timeout_s'], 2);
    doc.setIn(['outbox', 'path'], join(dir, 'outbox.db'));
    doc.setIn(['storage', 'snapshot_dir'], join(dir, 'snapshots'));
    const config = join(dir, 'site.yaml');
    writeFileSync(config, String(doc));

    let kill!: (s: NodeJS.Signals) => void;
    const run = runCli(['run', '--config', config], {
      env: { NOTIFY_SOCKET: listener.socket, WATCHDOG_USEC: '4000000' }, // a probe and a ping every 2 s
      onSpawn: (k) => (kill = k),
    });
    const l = listener;
    const has = (text: string) => (m: { message: string }[]) => m.some((x) => x.message === text);
    await l.waitFor(has('READY=1'), 'READY=1', 100_000);
    await l.waitFor(has('STATUS=1 camera: 1 online, 0 offline; outbox 0 pending; no broker configured'), 'STATUS online');
    const readyAt = texts(l).indexOf('READY=1');
    const firstStatus = texts(l).findIndex((t) => t.startsWith('STATUS='));
    expect(firstStatus).toBeGreaterThan(readyAt); // nothing is reported before start-up completes

    rtsp.pause(); // the camera hangs: the stream's stall timer takes it offline, the service stays healthy
    await l.waitFor((m) => m.some((x) => /^STATUS=1 camera: 0 online, 1 offline/.test(x.message)), 'STATUS offline');
    const pingsWhenOffline = texts(l).filter((t) => t === 'WATCHDOG=1').length;
    await l.waitFor((m) => m.filter((x) => x.message === 'WATCHDOG=1').length >= pingsWhenOffline + 3, 'pings while offline');
    rtsp.resume();

    kill('SIGTERM');
    const result = await run;
    expect(result.code, result.stderr.slice(-2000)).toBe(0);
    await l.waitFor(has('STOPPING=1'), 'STOPPING=1');
    const pids = new Set(l.messages.map((m) => m.pid));
    expect(pids.size).toBe(1); // every message from the agent's own (main) process
    expect(pids.has(process.pid)).toBe(false);
    expect(texts(l).some((t) => t.startsWith('STATUS=') && t.includes('no progress'))).toBe(false);
  });
});
