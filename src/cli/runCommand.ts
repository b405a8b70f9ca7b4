import { createHash } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import type { Agent } from '../agent.js';
import { CameraWatch } from '../cameraWatch.js';
import { composeAgent } from '../compose.js';
import { loadConfig } from '../config/loadConfig.js';
import type { Config } from '../config/schema.js';
import type { CameraHealth } from '../health/cameraHealth.js';
import { agentProbe } from '../health/serviceProbe.js';
import { createNotifier, superviseService } from '../health/systemdNotify.js';
import { findModel } from '../detect/modelManifest.js';
import { createLogger, type LevelWithSilent, type Logger } from '../log/logger.js';
import { Uplink } from '../publish/uplink.js';
import { installedChecks } from './configCommands.js';
import { redactUri } from '../errors.js';
import { EXIT } from './exitCodes.js';
import { VERSION } from './version.js';

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('Run every configured camera until stopped (SIGINT/SIGTERM); file sources end at their end. Alerts go to the outbox, then MQTT.')
    .requiredOption('-c, --config <file>', 'YAML config file')
    .action(async (opts: { config: string }) => {
      const cfg = loadConfig(opts.config, installedChecks());
      const log = createLogger(cfg.logging.level as LevelWithSilent);
      await runAgent(cfg, opts.config, log);
    });
}

/** Builds the daemon from a validated config and runs it until its cameras end or a signal arrives. */
export async function runAgent(cfg: Config, configPath: string, log: Logger): Promise<void> {
  let agent: Agent | undefined;
  const health = cameraHealthSampler();
  const uplink = new Uplink(
    { outbox: cfg.outbox, mqtt: cfg.mqtt },
    {
      gateway: cfg.gateway,
      baseDir: dirname(resolve(configPath)),
      info: gatewayInfo(cfg),
      cameraHealth: () => health(agent),
    },
    log.child({ stage: 'uplink' }),
  );
  const watch = new CameraWatch(
    cfg.cameras,
    cfg.onvif,
    {
      onMoved: (cameraId, source) => agent?.updateSource(cameraId, source),
      onEvent: (e) => composed.stages.get(e.cameraId)?.onCameraEvent(e),
    },
    log.child({ stage: 'onvif' }),
  );
  const composed = composeAgent(cfg, configPath, log, {
    sink: uplink,
    services: [uplink, watch],
    onCameraState: (camera, state, error) => {
      if (state === 'offline') log.warn({ camera, err: error?.message }, 'camera offline');
      if (state === 'online' || state === 'offline') uplink.setCameraStatus(camera, { state, error: error?.message });
    },
  });
  agent = composed.agent;
  // systemd (Type=notify): READY once every part has started, then STATUS and watchdog pings.
  const notifier = createNotifier(log.child({ stage: 'systemd' }));
  let supervision: { stop(): void } | undefined;
  const stop = (signal: string) => {
    log.info({ signal }, 'stopping');
    notifier.stopping();
    void agent?.stop();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  log.info({ gateway: cfg.gateway.id, cameras: cfg.cameras.length, version: VERSION }, 'agent starting');
  try {
    await agent.start();
    log.info('agent started');
    notifier.ready();
    supervision = superviseService({
      notifier,
      log: log.child({ stage: 'systemd' }),
      probe: agentProbe({
        counters: agent.counters,
        pending: () => uplink.depth(),
        brokerConnected: () => (cfg.mqtt ? uplink.connected : undefined),
      }),
    });
    await agent.done();
  } finally {
    supervision?.stop();
    await agent.stop();
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    log.info({ counters: Object.fromEntries(agent.counters) }, 'agent stopped');
  }
  const failed = [...agent.counters.entries()].filter(([, c]) => c.error);
  for (const [camera, c] of failed) process.stderr.write(`edge-agent: camera ${camera} failed: ${c.error}\n`);
  if (failed.length > 0) process.exitCode = EXIT.stream;
}

function gatewayInfo(cfg: Config) {
  const modelIds = [...new Set(cfg.cameras.map((c) => c.model))];
  // Hash of the effective settings without secrets: two gateways with equal hashes behave alike.
  const shown = { ...cfg, cameras: cfg.cameras.map((c) => ({ ...c, source: redactUri(c.source) })), mqtt: undefined };
  return {
    version: VERSION,
    cameras: cfg.cameras.map((c) => c.id),
    models: modelIds.map((id) => ({ id, sha256: findModel(id).sha256 })),
    configHash: createHash('sha256').update(JSON.stringify(shown)).digest('hex').slice(0, 16),
  };
}

/** Per-camera figures for each health message; fps is averaged since the previous message. */
function cameraHealthSampler(): (agent: Agent | undefined) => Record<string, CameraHealth> {
  const last = new Map<string, { frames: number; ts: number }>();
  return (agent) => {
    const out: Record<string, CameraHealth> = {};
    const now = Date.now();
    for (const [id, c] of agent?.counters ?? []) {
      const prev = last.get(id);
      const fps = prev && now > prev.ts ? ((c.frames - prev.frames) * 1000) / (now - prev.ts) : 0;
      last.set(id, { frames: c.frames, ts: now });
      out[id] = { fps: Math.round(fps * 10) / 10, skipped: c.skipped, reconnects: c.restarts, state: c.state };
    }
    return out;
  };
}
