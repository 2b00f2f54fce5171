import type { DestinationStream } from 'pino';
import type { LogLevel } from '../../src/config.js';
import { createLogger, type Logger } from '../../src/log.js';

/** A real logger (redaction and all) whose every line is kept, as raw text and as parsed objects. */
export function captureLog(level: LogLevel = 'trace'): { logger: Logger; text: () => string; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const destination: DestinationStream = { write: (chunk: string) => void chunks.push(chunk) };
  const logger = createLogger({ level, destination });
  return {
    logger,
    text: () => chunks.join(''),
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}
