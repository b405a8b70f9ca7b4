import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './ports.js';

const script = join(dirname(fileURLToPath(import.meta.url)), 'rtspServer.py');

export interface RtspServer {
  port: number;
  /** rtsp://127.0.0.1:<port>/<mount> */
  url(mount: 'h264' | 'h265', credentials?: string): string;
  /** Freezes the server process: connections stay open but no packet is sent (a hung camera). */
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
  /** Starts a new server on the same port (after stop), like a camera coming back after a reboot. */
  restart(): Promise<void>;
}

/** Starts the test RTSP server (Debian's python3 with GstRtspServer) on a free loopback port. */
export async function startRtspServer(
  file: string,
  auth?: { user: string; password: string; scheme?: 'basic' | 'digest' },
  address = '127.0.0.1',
  fixedPort?: number,
): Promise<RtspServer> {
  const port = fixedPort ?? (await freePort());
  let child = await launch(port, file, auth, address);
  return {
    port,
    url: (mount, credentials) => `rtsp://${credentials ? `${credentials}@` : ''}${address}:${port}/${mount}`,
    pause: () => child.kill('SIGSTOP'),
    resume: () => child.kill('SIGCONT'),
    stop: () => kill(child),
    restart: async () => {
      await kill(child);
      child = await launch(port, file, auth, address);
    },
  };
}

function launch(port: number, file: string, auth: { user: string; password: string; scheme?: 'basic' | 'digest' } | undefined, address: string): Promise<ChildProcess> {
  const args = [script, '--port', String(port), '--file', file, '--address', address];
  if (auth) args.push('--user', auth.user, '--password', auth.password, '--auth', auth.scheme ?? 'basic');
  const child = spawn('/usr/bin/python3', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`RTSP server did not start: ${out}`)), 30_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.includes('READY')) {
        clearTimeout(timer);
        resolve(child);
      } else if (out.includes('ERROR')) {
        clearTimeout(timer);
        reject(new Error(out));
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`RTSP server exited with ${code}: ${out}`));
    });
  });
}

function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGCONT');
    child.kill('SIGKILL');
  });
}
