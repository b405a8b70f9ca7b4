import { pino, type Logger, type LevelWithSilent } from 'pino';
import { redactUri } from './redact.js';

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
      // Last line of defence, on the serialized line: URIs lose their userinfo and the secrets the
      // config loaded are masked, wherever they hide (an error text from GStreamer or mqtt.js).
      hooks: { streamWrite: (line) => redactUri(line) },
    },
    pino.destination({ fd: 2, sync: true }),
  );
}
