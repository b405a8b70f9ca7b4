import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const script = join(dirname(fileURLToPath(import.meta.url)), 'notifyListener.py');

export interface NotifyMessage {
  /** Sender's pid as the kernel reported it (SCM_CREDENTIALS), as systemd sees it. */
  pid: number;
  message: string;
}

export interface NotifyListener {
  socket: string;
  messages: NotifyMessage[];
  /** Resolves when `test` holds for the messages received so far; rejects after `limitMs` (a guard, not a measurement). */
  waitFor(test: (messages: NotifyMessage[]) => boolean, what: string, limitMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** A notify socket as systemd binds it (AF_UNIX datagram, SO_PASSCRED), served by Debian's python3. */
export async function startNotifyListener(socket: string): Promise<NotifyListener> {
  const child: ChildProcess = spawn('/usr/bin/python3', [script, '--socket', socket], { stdio: ['ignore', 'pipe', 'pipe'] });
  const messages: NotifyMessage[] = [];
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  await new Promise<void>((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line === 'READY') resolve();
        else if (line.startsWith('{')) messages.push(JSON.parse(line) as NotifyMessage);
      }
    });
    child.on('exit', (code) => reject(new Error(`notify listener exited with ${code}: ${err}`)));
  });
  return {
    socket,
    messages,
    waitFor: (test, what, limitMs = 60_000) =>
      new Promise((resolve, reject) => {
        const guard = setTimeout(() => {
          clearInterval(poll);
          reject(new Error(`no ${what} within ${limitMs} ms; received: ${JSON.stringify(messages.map((m) => m.message))}`));
        }, limitMs);
        const poll = setInterval(() => {
          if (!test(messages)) return;
          clearInterval(poll);
          clearTimeout(guard);
          resolve();
        }, 20);
      }),
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
