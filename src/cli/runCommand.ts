import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { startAll } from '../agent.js';
import { CameraWatch, moveAlert } from '../cameraWatch.js';
import { composeAgent } from '../compose.js';
import { configHash } from '../config/configHash.js';
import { gatewayKeyPath, loadGatewayKey } from '../config/gatewayKey.js';
import { loadConfig } from '../config/loadConfig.js';
import type { Config } from '../config/schema.js';
import { busyDropped, countersJson, type CameraCounters } from '../health/cameraCounters.js';
import { cameraHealthSampler } from '../health/cameraHealth.js';
import { agentProbe } from '../health/serviceProbe.js';
import { createNotifier, superviseService, supervisionIntervalMs, type Supervisor } from '../health/systemdNotify.js';
import { sourceRecoveryMs } from '../stream/frameHostClient.js';
import { findModel } from '../detect/modelManifest.js';
import { createLogger, type LevelWithSilent, type Logger } from '../log/logger.js';
import { Uplink } from '../publish/uplink.js';
import { RetryingSink } from '../store/retryingSink.js';
import { installedChecks } from './configCommands.js';
import { redactUri } from '../errors.js';
import { EXIT, showStacks } from './exitCodes.js';
import { VERSION } from './version.js';

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('Run every configured camera until stopped (SIGINT/SIGTERM); file sources end at their end. Alerts go to the outbox, then MQTT.')
    .requiredOption('-c, --config <file>', 'YAML config file')
    .action(async (opts: { config: string }) => {
      const cfg = loadConfig(opts.config, installedChecks());
      const log = createLogger(cfg.logging.level as LevelWithSilent);
      showStacks(cfg.logging.level === 'debug' || cfg.logging.level === 'trace');
      await runAgent(cfg, opts.config, log);
    });
}

/**
 * The daemon: the uplink (outbox, then MQTT), the cameras (see composeAgent for a frame's way to
 * the outbox) and the ONVIF watch, started in that order and stopped in reverse. Runs until every
 * camera has ended (files) or a signal arrives.
 */
export async function runAgent(cfg: Config, configPath: string, log: Logger): Promise<void> {
  const counters = new Map<string, CameraCounters>();
  // With MQTT, never an unsigned run: a missing or bad key stops here with a config error (exit 2).
  const signingKey = cfg.mqtt ? loadGatewayKey(gatewayKeyPath(cfg.outbox.path)) : undefined;
  const uplink = new Uplink(
    { outbox: cfg.outbox, mqtt: cfg.mqtt },
    {
      gateway: cfg.gateway,
      baseDir: dirname(resolve(configPath)),
      info: gatewayInfo(cfg),
      cameraHealth: cameraHealthSampler(counters, log),
      uncommitted: (): number => alerts.waiting,
      ...(signingKey ? { signingKey } : {}),
    },
    log.child({ stage: 'uplink' }),
  );
  // Every alert goes through here to the outbox; one whose commit fails is kept and retried.
  const alerts: RetryingSink = new RetryingSink(uplink, log.child({ stage: 'outbox' }));
  const agent = await composeAgent(cfg, configPath, log, {
    sink: alerts,
    counters,
    onCameraState: (camera, state, error) => {
      if (state === 'offline') log.warn({ camera, err: error?.message }, 'camera offline');
      if (state !== 'online' && state !== 'offline') return;
      const c = counters.get(camera);
      const frames = c && { offered: c.offered, taken: c.frames, dropped_busy: busyDropped(c), skipped_motion: c.skipped, inferred: c.inferred };
      uplink.setCameraStatus(camera, { state, error, frames });
    },
  });
  const watch = new CameraWatch(
    cfg.cameras,
    cfg.onvif,
    {
      onMoved: (cameraId, source) => agent.updateSource(cameraId, source),
      // A verified move is an info alert, a refused one (someone answering as the camera) a health alert.
      onMoveChecked: (cameraId, verdict) => alerts.emit(moveAlert(cfg.gateway.id, cameraId, verdict)),
      onEvent: (e) => agent.onCameraEvent(e),
    },
    log.child({ stage: 'onvif' }),
  );
  // systemd (Type=notify): READY once every part has started, then STATUS and watchdog pings.
  const notifier = createNotifier(log.child({ stage: 'systemd' }));
  const stallTimeoutS = new Map(cfg.cameras.map((c) => [c.id, c.stallTimeoutS]));
  let supervision: Supervisor | undefined;
  const stop = (signal: string) => {
    log.info({ signal }, 'stopping');
    notifier.stopping();
    supervision?.stopping();
    agent.stop().catch((err: Error) => log.error({ err: err.message }, 'stop failed'));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  log.info({ gateway: cfg.gateway.id, cameras: cfg.cameras.length, version: VERSION }, 'agent starting');
  const stopAll = await startAll([uplink, watch, agent]);
  try {
    log.info('agent started');
    notifier.ready();
    supervision = superviseService({
      notifier,
      log: log.child({ stage: 'systemd' }),
      probe: agentProbe(
        {
          counters,
          recoveryMs: (id, state) => sourceRecoveryMs(stallTimeoutS.get(id) ?? 0, state),
          pending: () => uplink.depth(),
          brokerConnected: () => (cfg.mqtt ? uplink.connected : undefined),
        },
        { windowMs: 2 * supervisionIntervalMs() }, // systemd's whole watchdog period
      ),
    });
    await agent.done();
  } finally {
    supervision?.stop();
    await agent.stop();
    alerts.flushNow();
    await stopAll();
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    const byCamera = Object.fromEntries([...counters].map(([id, c]) => [id, countersJson(c)]));
    log.info({ counters: byCamera, inference: agent.detectors.map((d) => ({ model: d.detector.modelId, ...d.latency() })) }, 'agent stopped');
  }
  const failed = [...counters.entries()].filter(([, c]) => c.error);
  for (const [camera, c] of failed) process.stderr.write(redactUri(`edge-agent: camera ${camera} failed: ${c.error}\n`));
  if (failed.length > 0) process.exitCode = EXIT.stream;
}

function gatewayInfo(cfg: Config) {
  const modelIds = [...new Set(cfg.cameras.map((c) => c.model))];
  return {
    version: VERSION,
    cameras: cfg.cameras.map((c) => c.id),
    models: modelIds.map((id) => ({ id, sha256: findModel(id).sha256 })),
    configHash: configHash(cfg),
  };
}
