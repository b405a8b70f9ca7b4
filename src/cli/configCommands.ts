import type { Command } from 'commander';
import { loadConfig } from '../config/loadConfig.js';
import { COCO80 } from '../detect/labels.js';
import { readManifest } from '../detect/modelManifest.js';
import { printableConfig } from '../config/configSecrets.js';
import { mqttWarnings } from '../config/tlsCheck.js';
import { EXIT } from './exitCodes.js';
import { accessReport, stateLines } from './stateReport.js';

/** Validation against what this installation actually has: the manifest's models and labels. */
export function installedChecks(): { modelIds: string[]; labels: readonly string[] } {
  return { modelIds: readManifest().map((m) => m.id), labels: COCO80 };
}

export function registerConfigCommands(program: Command): void {
  const config = program.command('config').description('Work with the YAML configuration.');
  config
    .command('validate')
    .description('Check a config file against the schema and print every problem as path (line): message.')
    .argument('<file>', 'YAML config file')
    .option('--print', 'print the config with defaults filled in (secrets are not printed)')
    .action((file: string, opts: { print?: boolean }) => {
      const cfg = loadConfig(file, installedChecks());
      // As the service's ExecStartPre this also proves the service user can use its state and secrets.
      const access = accessReport(cfg, file);
      if (access.problems.length > 0) {
        process.stderr.write(access.text);
        process.exitCode = access.problems.some((p) => p.setting === 'secrets_file') ? EXIT.config : EXIT.store;
        return;
      }
      process.stdout.write(`${file}: OK (${cfg.cameras.length} camera(s), gateway ${cfg.gateway.id})\n${stateLines(cfg)}`);
      for (const w of mqttWarnings(cfg.mqtt)) process.stderr.write(`${file}: warning: ${w}\n`);
      if (opts.print) process.stdout.write(`${JSON.stringify(printableConfig(cfg), null, 2)}\n`);
    });
}
