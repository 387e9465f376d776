import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

export interface LogOptions {
  level: string;
  /** Written into every line so interleaved output of several roles in one process stays readable. */
  role?: string;
}

/** JSON lines on stdout: one format for humans piping through pino-pretty and for log shippers. */
export function createLogger(options: LogOptions): Logger {
  return pino({
    level: options.level,
    base: options.role ? { role: options.role } : {},
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', '*.password', '*.token', '*.secret'],
      censor: '[redacted]',
    },
  });
}

export const silentLogger: Logger = pino({ level: 'silent' });
export * from './metrics.ts';
