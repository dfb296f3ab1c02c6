import { pino } from 'pino';
import type { Logger as PinoLogger } from 'pino';
import { build as prettyStream } from 'pino-pretty';
import { CliError } from './errors.js';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export const LOG_FORMATS = ['json', 'pretty'] as const;

/**
 * Fields whose values are replaced before a line is written. Secret data never reaches a log
 * call on purpose; this catches a Secret or an HTTP header passed whole by mistake.
 */
const REDACTED_PATHS = [
  'data',
  'stringData',
  '*.data',
  '*.stringData',
  'headers.authorization',
  'req.headers.authorization',
  // Fastify logs a malformed HTTP request at trace as `{ err }`, and Node's parse error carries
  // the raw bytes it read, which can include an Authorization header or a Secret in the body.
  'err.rawPacket',
];

/**
 * Creates the pino logger of `serve`: one JSON object per line on stdout, or with `pretty`
 * a coloured single-line format for people (colours only on a terminal).
 * Throws CliError naming an unknown level or format.
 */
export function createLogger(level: string, format: string): PinoLogger {
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new CliError(
      `invalid --log-level value ${JSON.stringify(level)}: expected one of ${LOG_LEVELS.join(', ')}`,
    );
  }
  if (!(LOG_FORMATS as readonly string[]).includes(format)) {
    throw new CliError(
      `invalid --log-format value ${JSON.stringify(format)}: expected json or pretty`,
    );
  }
  const options = { level, redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' } };
  if (format === 'json') return pino(options);
  const stream = prettyStream({
    colorize: process.stdout.isTTY,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname',
    sync: true,
  });
  return pino(options, stream);
}
