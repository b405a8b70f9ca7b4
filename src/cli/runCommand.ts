import type { Command } from 'commander';
import { Agent } from '../agent.js';
import type { CameraConfig } from '../config/cameraSchema.js';
import { loadConfig } from '../config/loadConfig.js';
import type { Config } from '../config/schema.js';
import { loadDetector } from '../detect/loadDetector.js';
import { createLogger, type LevelWithSilent, type Logger } from '../log/logger.js';
import { createCameraSource } from '../stream/createSource.js';
import { installedChecks } from './configCommands.js';
import { EXIT } from './exitCodes.js';

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('Run every configured camera until stopped (SIGINT/SIGTERM); file sources end at their end.')
    .requiredOption('-c, --config <file>', 'YAML config file')
    .action(async (opts: { config: string }) => {
      const cfg = loadConfig(opts.config, installedChecks());
      const log = createLogger(cfg.logging.level as LevelWithSilent);
      await runAgent(cfg, log);
    });
}

/** Builds the agent from a validated config, runs it until its cameras end or a signal arrives. */
export async function runAgent(cfg: Config, log: Logger): Promise<void> {
  const agent = new Agent(cfg.cameras, {
    log,
    loadDetector: (id) => loadDetector(id, { modelDir: cfg.modelDir, threads: cfg.detector.threads }),
    makeSource: (cam, detector) =>
      createCameraSource(cam, { fitWidth: detector.inputWidth, fitHeight: detector.inputHeight, decoder: cfg.video.decoder }),
    makeConsumer: (cam) => detectionLogger(cam, log),
    onCameraState: (camera, state, error) => {
      if (state === 'offline') log.warn({ camera, err: error?.message }, 'camera offline');
    },
  });
  const stop = (signal: string) => {
    log.info({ signal }, 'stopping');
    void agent.stop();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  log.info({ gateway: cfg.gateway.id, cameras: cfg.cameras.length }, 'agent starting');
  try {
    await agent.start();
    log.info('agent started');
    await agent.done();
  } finally {
    await agent.stop();
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    log.info({ counters: Object.fromEntries(agent.counters) }, 'agent stopped');
  }
  const failed = [...agent.counters.entries()].filter(([, c]) => c.error);
  for (const [camera, c] of failed) process.stderr.write(`edge-agent: camera ${camera} failed: ${c.error}\n`);
  if (failed.length > 0) process.exitCode = EXIT.stream;
}

function detectionLogger(cam: CameraConfig, log: Logger) {
  const child = log.child({ stage: 'detect', camera: cam.id });
  return {
    onFrame(frame: { seq: number; ts: number }, detections: { label: string; score: number; box: unknown }[] | null) {
      if (detections && detections.length > 0) {
        child.info({ seq: frame.seq, ts: frame.ts, detections }, 'detections');
      }
    },
  };
}
