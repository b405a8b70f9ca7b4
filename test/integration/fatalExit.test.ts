import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, STREET, tempDir } from '../helpers/media.js';
import { startRtspServer, type RtspServer } from '../helpers/rtspServer.js';
import { writeSiteConfig } from '../helpers/site.js';

// A fault nothing catches must end the daemon promptly and take its frame host along, so that
// systemd's Restart= can act; a process that hangs after a fatal error is never restarted.

const servers: RtspServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

describe('a fatal error in the running daemon', () => {
  it('ends the process with the error printed, and no decoding process is left behind', async () => {
    const rtsp = await startRtspServer(STREET);
    servers.push(rtsp);
    const dir = tempDir();
    const config = writeSiteConfig(
      dir,
      [1, 2, 3].map((i) => ({ id: `cam-${i}`, source: rtsp.url('h264'), detect_fps: 5 })),
      { logLevel: 'info' },
    );
    // Loaded into the daemon's own process: once the cameras stream, an unhandled rejection, as a
    // bug in a network handler would raise.
    const fault = join(dir, 'fault.mjs');
    writeFileSync(fault, "setTimeout(() => { Promise.reject(new TypeError('injected fault')); }, 6000);\n");
    let childPids: number[] = [];
    const run = await runCli(['run', '--config', config], {
      timeoutMs: 60_000,
      env: { NODE_OPTIONS: `--import=${fault}` },
      onPid: (pid: number) => {
        // The frame host is the daemon's child: remember it while the daemon runs.
        const timer = setInterval(() => {
          const list = `/proc/${pid}/task/${pid}/children`;
          if (existsSync(list)) {
            const kids = readChildren(list);
            if (kids.length > 0) childPids = kids;
          } else clearInterval(timer);
        }, 200);
      },
    });
    expect(run.code, run.stderr.slice(-2000)).not.toBe(0);
    expect(run.code).not.toBeNull(); // it exited by itself, the guard did not have to kill it
    expect(run.stderr).toContain('injected fault');
    expect(childPids.length).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 500));
    for (const pid of childPids) expect(existsSync(`/proc/${pid}/stat`) && !isZombie(pid), `frame host ${pid} still running`).toBe(false);
  });
});

function readChildren(path: string): number[] {
  try {
    return readFileSync(path, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function isZombie(pid: number): boolean {
  try {
    return / Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}
