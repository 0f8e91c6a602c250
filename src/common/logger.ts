import { LoggerService } from '@nestjs/common';
import pino, { Logger } from 'pino';

/** Fields of database errors that carry the statement's values (names, id numbers...). */
const VALUE_FIELDS = ['parameters', 'query', 'driverError', 'detail', 'where', 'internalQuery', 'hint'];

/**
 * pino's error serializer without the values a failed statement carries: TypeORM's
 * QueryFailedError holds the statement and its parameters (an applicant's name, id number,
 * phone...), and PostgreSQL's message and detail quote the offending value. The SQLSTATE code,
 * table, column and constraint stay, which is what diagnosing needs.
 */
export function safeErrorSerializer(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  const out = pino.stdSerializers.err(err) as unknown as Record<string, unknown>;
  const fromDatabase = VALUE_FIELDS.some((f) => f in err);
  for (const f of VALUE_FIELDS) delete out[f];
  if (fromDatabase && typeof out.message === 'string') out.message = out.message.replace(/"[^"]*"/g, '"…"');
  if (fromDatabase && typeof out.stack === 'string') out.stack = out.stack.replace(/"[^"]*"/g, '"…"');
  return out;
}

/**
 * Structured logs (pino). Personal data never goes in: request logs carry method, route, status,
 * duration and the request id, never bodies, query strings or headers. Redaction is a second net.
 */
export function createRootLogger(level: string): Logger {
  return pino({
    level,
    base: { pid: process.pid },
    redact: {
      paths: [
        'password',
        '*.password',
        'passwordHash',
        '*.passwordHash',
        'authorization',
        '*.authorization',
        'headers',
        'applicant',
        '*.applicant',
        'lookupKey',
        '*.lookupKey',
      ],
      censor: '[redacted]',
    },
    serializers: { err: safeErrorSerializer },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}

/** Adapts pino to Nest's LoggerService so framework messages are structured too. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}
  log(message: unknown, context?: string) {
    this.logger.info({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string) {
    this.logger.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string) {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string) {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string) {
    this.logger.trace({ context }, String(message));
  }
}

export const ROOT_LOGGER = Symbol('ROOT_LOGGER');
