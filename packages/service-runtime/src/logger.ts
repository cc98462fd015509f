import { pino, type Logger } from 'pino';
import type { LogLevel } from './common-config.js';

/** JSON logs on stdout with the service and instance names on every line. */
export function createLogger(service: string, level: LogLevel, instance: string): Logger {
  return pino({ level, base: { service, instance }, timestamp: pino.stdTimeFunctions.isoTime });
}
