import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

/**
 * The root logger. Only main.ts files create one; everything else receives a
 * logger (usually a child: `logger.child({ component: 'sink' })`).
 * Secrets are redacted by path so a token can never reach a log line.
 */
export function createLogger(options: { level?: string; name?: string } = {}): Logger {
  const config: LoggerOptions = {
    name: options.name ?? 'driftline',
    level: options.level ?? 'info',
    redact: {
      paths: ['token', '*.token', 'authorization', '*.authorization', 'headers.authorization', 'req.headers.authorization', 'password', '*.password'],
      censor: '[redacted]',
    },
  };
  return pino(config);
}

/** A logger that drops everything: for tests and library defaults. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
