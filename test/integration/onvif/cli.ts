import { Command } from 'commander';
import { registerCameraCommands, registerDiscoverCommand, type CameraCommandDeps } from '../../../src/cli/cameraCommands.js';

/** Runs `edge-agent <args>` in-process with the camera commands; returns what it printed and the exit code. */
export async function runCameraCli(args: string[], deps: Partial<CameraCommandDeps> = {}, discoveryPort?: number) {
  let out = '';
  let err = '';
  const io = { out: (t: string) => void (out += t), err: (t: string) => void (err += t), errIsTTY: false };
  const program = new Command('edge-agent').exitOverride();
  registerCameraCommands(program, { testStream: () => Promise.reject(new Error('not wired')), ...deps, io });
  registerDiscoverCommand(program, { io, discoveryPort });
  const before = process.exitCode;
  process.exitCode = undefined;
  try {
    await program.parseAsync(['node', 'edge-agent', ...args]);
    return { out, err, code: typeof process.exitCode === 'number' ? process.exitCode : 0 };
  } finally {
    process.exitCode = before;
  }
}
