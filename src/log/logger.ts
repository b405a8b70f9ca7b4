import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger, LevelWithSilent };

/**
 * The one root logger. Stages get children with {stage, camera}; messages are constant strings and
 * data goes in fields. Logs go to stderr so that stdout stays machine-readable (JSON lines).
 */
export function createLogger(level: LevelWithSilent = 'info'): Logger {
  return pino(
    {
      level,
      base: { pid: process.pid },
      // Secrets never reach a log line, even if a caller passes a whole config object.
      redact: { paths: ['password', '*.password', '*.*.password', 'secrets', '*.secrets'], censor: '***' },
    },
    pino.destination({ fd: 2, sync: true }),
  );
}
