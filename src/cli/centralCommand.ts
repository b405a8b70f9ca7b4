import type { Command } from 'commander';
import { Central } from '../central/central.js';
import { loadCentralConfig } from '../central/loadCentralConfig.js';
import { createLogger, type LevelWithSilent } from '../log/logger.js';

// `edge-agent central --config central.yaml`: the reference receiver at the centre. Thin: load the
// config (a bad one exits 2), start, stop cleanly on SIGTERM or SIGINT.

export function registerCentralCommand(program: Command): void {
  program
    .command('central')
    .description('Receive gateway messages at the centre: verify, de-duplicate, store, ack, ask for gaps, serve a read-only API.')
    .requiredOption('-c, --config <file>', 'central.yaml')
    .action(async (o: { config: string }) => {
      const cfg = loadCentralConfig(o.config);
      const log = createLogger(cfg.logging.level as LevelWithSilent);
      const central = new Central(cfg, log);
      await central.start();
      await new Promise<void>((resolve) => {
        const done = () => resolve();
        process.once('SIGTERM', done);
        process.once('SIGINT', done);
      });
      log.info(central.figures(), 'central stopping');
      await central.stop();
    });
}
