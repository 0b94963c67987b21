import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoggerService } from '@nestjs/common';
import pino, { Logger } from 'pino';
import pinoHttp from 'pino-http';
import type { LogLevel } from '../config/configuration';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** JSON lines on stdout. Authorization and cookies are never serialized, whatever the log level. */
export function createLogger(level: LogLevel): Logger {
  return pino(
    {
      level,
      base: { service: 'bothooks' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: ['req.headers.authorization', 'req.headers.cookie', '*.apiKey', '*.token', '*.password', '*.signingSecret'], censor: '[redacted]' },
    },
    // Asynchronous writes keep logging off the request path; main() flushes on exit.
    pino.destination({ dest: 1, sync: false }),
  );
}

/** Issued webhook URLs are credentials, and query strings may carry tokens: log only what is safe. */
function safePath(url: string | undefined): string {
  const path = (url ?? '').split('?')[0];
  return path.startsWith('/w/') ? '/w/[redacted]' : path;
}

/** One log line per request, tagged with the request id that is echoed in `x-request-id`. */
export function requestLogger(logger: Logger) {
  return pinoHttp({
    logger,
    genReqId: (req: IncomingMessage, res: ServerResponse) => {
      const incoming = req.headers['x-request-id'];
      const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
      res.setHeader('x-request-id', id);
      return id;
    },
    quietReqLogger: true,
    customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
    serializers: {
      req: (req: { id: string; method: string; url: string; remoteAddress?: string }) => ({ id: req.id, method: req.method, path: safePath(req.url), ip: req.remoteAddress }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
  });
}

/** Nest's own messages (startup, errors) through the same JSON logger. */
export class NestPinoLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, context?: string): void {
    this.logger.info({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string): void {
    this.logger.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string): void {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string): void {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string): void {
    this.logger.trace({ context }, String(message));
  }
}
