import { pino, type Logger } from 'pino';
import type { LogLevel } from './config';

export type { Logger };

/**
 * Bodies carry sales and licence material, and auth headers carry credentials: neither
 * may reach a log line, even if some future caller passes a whole request object.
 */
export const REDACTED_PATHS = [
  'req.body',
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'body',
  'headers.authorization',
  'headers.cookie',
  'authorization',
];

export function createLogger(level: LogLevel, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service: 'outpost-server', pid: process.pid },
    redact: { paths: REDACTED_PATHS, remove: true },
  };
  return destination ? pino(options, destination) : pino(options);
}
