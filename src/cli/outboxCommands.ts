import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import type { Config } from '../config/schema.js';
import { createLogger, type Logger } from '../log/logger.js';
import { droppedRecord } from '../publish/payload.js';
import { Outbox } from '../store/outbox.js';
import { CLASSES, type OutboxStatus } from '../store/outboxTypes.js';
import { EXIT } from './exitCodes.js';

// `edge-agent outbox status|replay`: inspect the outbox and re-queue delivered rows the centre asks
// for, safely while the agent runs (SQLite WAL allows a second process; the agent polls for
// re-queued rows every second).

export interface OutboxCommandDeps {
  /** Reads and validates a config file; throws ConfigError (pass loadConfig from config/loadConfig.js). */
  loadConfig(file: string): Config;
  /** Logger for outbox messages (e.g. a corrupt file moved aside); defaults to warn level on stderr. */
  makeLogger?(cfg: Config): Logger;
}

export function registerOutboxCommands(program: Command, deps: OutboxCommandDeps): void {
  const outbox = program.command('outbox').description('Inspect and re-queue the durable alert outbox.');
  outbox
    .command('status')
    .description('Depth by class, oldest undelivered row, evictions.')
    .requiredOption('-c, --config <file>', 'YAML config file')
    .option('--json', 'print one JSON object')
    .action((opts: { config: string; json?: boolean }) => {
      const status = withOutbox(opts.config, deps, (ob) => ob.status());
      process.stdout.write(opts.json ? `${JSON.stringify(status)}\n` : formatStatus(status, Date.now()));
    });
  outbox
    .command('replay')
    .description('Send delivered rows again (kept for outbox.retain_delivered_s), from a sequence number or a time on.')
    .requiredOption('-c, --config <file>', 'YAML config file')
    .requiredOption('--since <seq|time>', 'first sequence number (digits) or ISO 8601 time, e.g. 2026-05-01T08:00:00+07:00')
    .action((opts: { config: string; since: string }) => {
      const since = parseSince(opts.since);
      if (!since) {
        process.stderr.write(`edge-agent: --since "${opts.since}" is neither a sequence number nor an ISO 8601 time\n`);
        process.exitCode = EXIT.usage;
        return;
      }
      const n = withOutbox(opts.config, deps, (ob) => ob.replay(since));
      process.stdout.write(`${n} row(s) re-queued; the running agent sends them as historical\n`);
    });
}

/** Digits are a sequence number; anything else must parse as a date. */
export function parseSince(text: string): { seq: number } | { ts: number } | undefined {
  if (/^\d+$/.test(text)) return { seq: Number(text) };
  const ts = Date.parse(text);
  return Number.isNaN(ts) ? undefined : { ts };
}

function withOutbox<T>(file: string, deps: OutboxCommandDeps, fn: (ob: Outbox) => T): T {
  const cfg = deps.loadConfig(file);
  const log = deps.makeLogger?.(cfg) ?? createLogger('warn');
  const path = resolve(dirname(file), cfg.outbox.path);
  const ob = new Outbox(path, cfg.outbox, (d) => droppedRecord(cfg.gateway.id, d), log);
  ob.open({ countBoot: false });
  try {
    return fn(ob);
  } finally {
    ob.close();
  }
}

export function formatStatus(s: OutboxStatus, now: number): string {
  const lines = [
    `boot ${s.boot}, last seq ${s.lastSeq}, undelivered ${s.depth}, file ${(s.fileBytes / 1e6).toFixed(1)} MB`,
    `${'class'.padEnd(9)}${'pending'.padStart(9)}${'sent'.padStart(9)}${'kept'.padStart(9)}${'MB'.padStart(9)}  ${'oldest'.padEnd(12)}${'evicted'.padStart(9)}`,
  ];
  for (const c of CLASSES) {
    const k = s.classes[c];
    const age = k.oldestTs === undefined ? '-' : `${Math.round((now - k.oldestTs) / 1000)} s ago`;
    lines.push(
      `${c.padEnd(9)}${String(k.pending).padStart(9)}${String(k.sent).padStart(9)}${String(k.delivered).padStart(9)}${(k.bytes / 1e6).toFixed(2).padStart(9)}  ${age.padEnd(12)}${String(k.evictedRows).padStart(9)}`,
    );
  }
  return `${lines.join('\n')}\n`;
}
