import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { agentProbe, type CameraProgress } from '../../src/health/serviceProbe.js';
import { createNotifier, superviseService, watchdogIntervalMs, type ProbeResult } from '../../src/health/systemdNotify.js';
import { sourceRecoveryMs } from '../../src/stream/frameHostClient.js';
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
    // Shutting down: pings go on without probes (loops being stopped make no progress).
    sup.stopping();
    await listener.waitFor((m) => m.length >= 9, 'pings while stopping');
    sup.stop();
    expect(calls).toBe(script.length);
    expect(texts(listener).slice(0, 9)).toEqual([
      ...['STATUS=a', 'WATCHDOG=1', 'WATCHDOG=1', 'STATUS=b', 'STATUS=a', 'WATCHDOG=1'],
      ...['WATCHDOG=1', 'WATCHDOG=1', 'WATCHDOG=1'],
    ]);
  });
});

describe('agent probe', () => {
  const cams = (entries: [string, CameraProgress][]) => new Map(entries);
  /** A probe on a hand-turned clock: `at(ms)` probes at that time. */
  const clocked = (view: Parameters<typeof agentProbe>[0], windowMs = 30_000) => {
    let t = 0;
    const probe = agentProbe(view, { windowMs, now: () => t });
    return (ms: number) => {
      t = ms;
      return probe();
    };
  };

  it('is healthy while every camera loop makes progress, and counts cameras by state', () => {
    const counters = cams([
      ['a', { frames: 0, restarts: 0, state: 'online' }],
      ['b', { frames: 0, restarts: 0, state: 'offline' }],
    ]);
    const at = clocked({ counters, pending: () => 3, brokerConnected: () => false });
    expect(at(0)).toEqual({ healthy: true, status: '2 cameras: 1 online, 1 offline; outbox 3 pending; broker disconnected' });
    for (let i = 1; i <= 5; i++) {
      counters.get('a')!.frames = i * 10;
      expect(at(i * 25_000).healthy).toBe(true);
    }
  });

  it('withholds health when an online camera loop stops taking frames for a whole watchdog period', () => {
    const counters = cams([['a', { frames: 5, restarts: 0, state: 'online' }]]);
    const at = clocked({ counters, brokerConnected: () => true });
    expect(at(0).healthy).toBe(true);
    expect(at(15_000).healthy).toBe(true); // half a period without a frame: still fine
    expect(at(30_000).healthy).toBe(true); // exactly one period: still fine
    expect(at(30_001)).toEqual({ healthy: false, status: '1 camera: 1 online, 0 offline; broker connected; no progress: a' });
    counters.get('a')!.frames++;
    expect(at(30_002).healthy).toBe(true);
  });

  it("waits out a camera's own recovery bound (its stall timeout, a slow start) before calling it stuck", () => {
    const counters = cams([
      ['slow', { frames: 5, restarts: 0, state: 'online' }],
      ['opening', { frames: 0, restarts: 1, state: 'starting' }],
    ]);
    const bound = (id: string, state: string) => sourceRecoveryMs(id === 'slow' ? 60 : 10, state);
    const at = clocked({ counters, recoveryMs: bound }, 4000);
    expect(at(0).healthy).toBe(true);
    expect(at(39_000).healthy).toBe(true); // 'opening': preflight 5 + open 20 + stall 10 + margin 5 = 40 s
    expect(at(41_000).status).toMatch(/no progress: opening$/);
    counters.get('opening')!.state = 'offline'; // its deadline turned it offline: progress
    expect(at(42_000).healthy).toBe(true);
    expect(at(64_000).healthy).toBe(true); // 'slow': stall 60 + margin 5 = 65 s
    expect(at(66_000).status).toMatch(/no progress: slow$/);
  });

  it('an offline camera backing off, or an ended file, is not a wedged loop', () => {
    const counters = cams([
      ['a', { frames: 5, restarts: 3, state: 'offline' }],
      ['b', { frames: 90, restarts: 0, state: 'ended' }],
    ]);
    const at = clocked({ counters });
    for (let i = 0; i < 5; i++) expect(at(i * 60_000).healthy).toBe(true);
    expect(at(300_000).status).toBe('2 cameras: 0 online, 1 offline, 1 ended; no broker configured');
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
    const statuses = texts(l).filter((t) => t.startsWith('STATUS='));
    expect(statuses.filter((t) => t.includes('no progress')), `${statuses.join('\n')}\n${result.stderr.slice(-3000)}`).toEqual([]);
  });
});
