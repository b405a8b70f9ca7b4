import type { Command } from 'commander';
import { loadConfig } from '../config/loadConfig.js';
import type { Config } from '../config/schema.js';
import { ConfigError } from '../errors.js';
import { brokerCheck } from '../health/doctor/brokerCheck.js';
import { formatTable, row, runChecks, type Check, type CheckRow } from '../health/doctor/check.js';
import { clockCheck } from '../health/doctor/clockCheck.js';
import { gstreamerCheck } from '../health/doctor/gstreamerCheck.js';
import { modelCheck } from '../health/doctor/modelCheck.js';
import { rtspCheck } from '../health/doctor/rtspCheck.js';
import { serviceCheck } from '../health/doctor/serviceCheck.js';
import { signingRows } from '../health/doctor/signingCheck.js';
import { stateCheck } from '../health/doctor/stateCheck.js';
import { installedChecks } from './configCommands.js';
import { EXIT } from './exitCodes.js';

/** Where the package puts the config; `doctor` with no --config looks there. */
export const INSTALLED_CONFIG = '/etc/edge-agent/edge-agent.yaml';
const DEFAULT_MODEL = 'yolox-nano-int8';

export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description('Check this gateway: GStreamer and decoders, models, state folders and disk, clock, broker, cameras, service. Exit 1 if any check fails.')
    .option('-c, --config <file>', 'YAML config file', INSTALLED_CONFIG)
    .option('--json', 'print JSON instead of a table')
    .action(async (opts: { config: string; json?: boolean }) => {
      const rows = await doctor(opts.config);
      const failed = rows.some((r) => r.status === 'fail');
      process.stdout.write(opts.json ? `${JSON.stringify({ ok: !failed, config: opts.config, checks: rows }, null, 2)}\n` : formatTable(rows));
      if (failed) process.exitCode = EXIT.failure;
    });
}

/** Every check for this config, run at once; a config that does not load still gets the machine checks. */
export async function doctor(configFile: string): Promise<CheckRow[]> {
  let config: Config | undefined;
  let configRow: CheckRow;
  try {
    config = loadConfig(configFile, installedChecks());
    configRow = row('config', 'pass', `${configFile}: ${config.cameras.length} camera(s), gateway ${config.gateway.id}`);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    configRow = row('config', 'fail', err.problems.join('; '), `fix ${configFile} (edge-agent config validate ${configFile} lists every problem)`);
  }
  return [configRow, ...(await runChecks(checksFor(config, configFile)))];
}

function checksFor(config: Config | undefined, configFile: string): Check[] {
  const cameras = config?.cameras.filter((c) => c.enabled) ?? [];
  const checks: Check[] = [
    gstreamerCheck({
      rtsp: !config || cameras.some((c) => /^rtsps?:/i.test(c.source)),
      files: cameras.some((c) => c.source.startsWith('file:')),
      decoder: config?.video.decoder ?? 'auto',
    }),
    modelCheck(config ? [...new Set(cameras.map((c) => c.model))] : [DEFAULT_MODEL], config?.modelDir),
  ];
  if (config) checks.push(stateCheck(config, configFile));
  checks.push(clockCheck());
  if (config?.mqtt) {
    checks.push(brokerCheck({ mqtt: config.mqtt, gateway: config.gateway }));
    for (const r of signingRows(config.mqtt, config.outbox.path, configFile)) checks.push(fixed(r));
  }
  else if (config) checks.push(fixed(row('broker', 'warn', 'no mqtt: section; alerts stay in the outbox', 'add mqtt.urls (see config/example.yaml and docs/mqtt.md)')));
  if (config) checks.push(rtspCheck(cameras));
  checks.push(serviceCheck());
  return checks;
}

function fixed(r: CheckRow): Check {
  return { name: r.check, timeoutMs: 1000, run: async () => [r] };
}
