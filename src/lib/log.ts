/** Structured logger for every Weft process: pino, JSON lines on stderr, level from WEFT_LOG_LEVEL. */
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(name: string, bindings: Record<string, unknown> = {}): Logger {
  const level = process.env.WEFT_LOG_LEVEL ?? 'info';
  return pino({ name, level, base: { pid: process.pid, ...bindings } }, pino.destination({ fd: 2, sync: false }));
}

/** A logger that discards everything (unit tests, library use). */
export const silentLogger: Logger = pino({ level: 'silent' });
