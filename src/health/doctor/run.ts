import { spawn } from 'node:child_process';

/** Output of a command run for a check; `missing` when the program is not installed. */
export interface CommandOutput {
  code: number | null;
  stdout: string;
  stderr: string;
  missing: boolean;
}

/** Runs a program without a shell; killed when `signal` aborts. Never rejects. */
export function runCommand(cmd: string, args: string[], signal: AbortSignal, env?: NodeJS.ProcessEnv): Promise<CommandOutput> {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], signal, env: env ?? process.env });
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (err: NodeJS.ErrnoException) => resolve({ code: null, stdout, stderr: stderr || err.message, missing: err.code === 'ENOENT' }));
    child.on('close', (code) => resolve({ code, stdout, stderr, missing: false }));
  });
}
