import { Command, CommanderError } from 'commander';
import { registerCameraCommands, registerDiscoverCommand } from './cameraCommands.js';
import { loadConfig } from '../config/loadConfig.js';
import { registerCentralCommand } from './centralCommand.js';
import { registerConfigCommands, installedChecks } from './configCommands.js';
import { registerOutboxCommands } from './outboxCommands.js';
import { testCameraStream } from './streamTest.js';
import { registerDetectCommand } from './detectCommand.js';
import { registerDoctorCommand } from './doctorCommand.js';
import { registerPreviewCommand } from './previewCommand.js';
import { EXIT, reportFatal } from './exitCodes.js';
import { registerReplayCommand } from './replayCommand.js';
import { registerKeysCommands } from './keysCommands.js';
import { registerRunCommand } from './runCommand.js';
import { registerVerifyCommand } from './verifyCommand.js';
import { VERSION } from './version.js';

export function buildProgram(): Command {
  const program = new Command('edge-agent')
    .description('Camera-gateway agent: finds cameras, detects objects on site, and delivers alerts over MQTT.')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerDetectCommand(program);
  registerRunCommand(program);
  registerReplayCommand(program);
  registerConfigCommands(program);
  registerOutboxCommands(program, { loadConfig: (file) => loadConfig(file, installedChecks()) });
  registerDiscoverCommand(program);
  registerDoctorCommand(program);
  registerKeysCommands(program);
  registerVerifyCommand(program);
  registerCentralCommand(program);
  registerCameraCommands(program, {
    testStream: (cam, o) => testCameraStream(o.config, cam, o),
  });
  const camera = program.commands.find((c) => c.name() === 'camera');
  if (camera) registerPreviewCommand(camera);
  return program;
}

/** Runs the CLI and returns the process exit code; fatal errors are printed, never thrown. */
export async function runCli(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    return reportFatal(err);
  }
}
