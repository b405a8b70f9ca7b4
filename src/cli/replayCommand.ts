import type { Command } from 'commander';
import { loadConfig } from '../config/loadConfig.js';
import { composeAgent } from '../compose.js';
import { busyDropped } from '../health/cameraCounters.js';
import { ConfigError } from '../errors.js';
import { createLogger, type LevelWithSilent } from '../log/logger.js';
import type { Alert } from '../types.js';
import { alertJson } from './alertJson.js';
import { installedChecks } from './configCommands.js';
import { EXIT } from './exitCodes.js';
import { toSourceUri } from './sourceUri.js';

interface ReplayOptions {
  config: string;
  camera?: string;
  logLevel: string;
}

export function registerReplayCommand(program: Command): void {
  program
    .command('replay')
    .description('Run the whole pipeline (motion, detector, tracker, rules) on a recording as fast as possible; print each alert as a JSON line, then a summary.')
    .argument('<video>', 'recording: file path or file:// URI')
    .requiredOption('-c, --config <file>', 'YAML config with the camera\'s zones, lines and rules')
    .option('--camera <id>', 'camera whose settings to use (default: the first)')
    .option('--log-level <level>', 'log level for stderr', 'warn')
    .addHelpText('after', '\nTune rules on a recording before going live:\n  edge-agent replay ../shared/videos/vtest_h264.mp4 -c config/example.yaml --camera street-1')
    .action(async (video: string, o: ReplayOptions) => {
      await replay(toSourceUri(video), o);
    });
}

async function replay(uri: string, o: ReplayOptions): Promise<void> {
  const cfg = loadConfig(o.config, installedChecks());
  const cam = o.camera ? cfg.cameras.find((c) => c.id === o.camera) : cfg.cameras[0];
  if (!cam) throw new ConfigError(o.config, [`cameras: no camera "${o.camera}"; configured: ${cfg.cameras.map((c) => c.id).join(', ')}`]);
  const log = createLogger(o.logLevel as LevelWithSilent);
  let alerts = 0;
  const sink = {
    emit(alert: Alert) {
      alerts++;
      process.stdout.write(`${JSON.stringify(alertJson(alert))}\n`);
    },
  };
  const one = { ...cfg, cameras: [{ ...cam, source: uri, enabled: true }] };
  const agent = await composeAgent(one, o.config, log, { sink });
  const stop = () => {
    agent.stop().catch(() => undefined); // stop() reports its own failures
  };
  process.once('SIGINT', stop);
  try {
    await agent.start();
    await agent.done();
  } finally {
    await agent.stop();
    process.off('SIGINT', stop);
  }
  const stats = agent.stage(cam.id)!.stats();
  const counters = agent.counters.get(cam.id)!;
  const summary = {
    summary: {
      camera: cam.id,
      frames: counters.frames,
      dropped_busy: busyDropped(counters),
      frames_processed: stats.framesProcessed,
      frames_skipped: stats.framesSkipped,
      alerts,
      alerts_by_rule: stats.alertsByRule,
      counts_by_line: stats.countsByLine,
      snapshots: stats.snapshots,
      error: counters.error,
    },
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  if (counters.error) process.exitCode = EXIT.stream;
}
