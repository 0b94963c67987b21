import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoggerService } from '@nestjs/common';
import pino, { DestinationStream, Logger } from 'pino';
import type { LogLevel } from '../config/configuration';
import { normalisedPath, originForm } from './request-target';
import { WEBHOOK_PATH } from './webhook-path';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const LOG_FLUSH_MS = 100;

/** JSON lines, on stdout by default. Authorization and cookies are never serialized, whatever the log level. */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'bothooks' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: ['req.headers.authorization', 'req.headers.cookie', '*.apiKey', '*.token', '*.password', '*.signingSecret'], censor: '[redacted]' },
    },
    // Asynchronous writes keep logging off the request path. Under load, lines go out 4 KiB at a time
    // rather than one write each (the profile showed the per-line writes); a quiet server's log is at most
    // LOG_FLUSH_MS behind. main() flushes on exit. A silent logger writes nothing, so it gets no buffer and
    // no flush timer, which would write nothing every LOG_FLUSH_MS for as long as the process lives.
    destination ?? (level === 'silent' ? process.stdout : pino.destination({ dest: 1, sync: false, minLength: 4096, periodicFlush: LOG_FLUSH_MS })),
  );
}

const SECRET_PATH = Symbol('secretPath');

/** `/w` itself as well as everything under `/w/`. */
function isWebhookPath(path: string): boolean {
  return path.startsWith(WEBHOOK_PATH) || path === WEBHOOK_PATH.slice(0, -1);
}

/** Says that this request's path is a credential (an issued URL), however it was spelled. */
export function markPathSecret(req: IncomingMessage): void {
  (req as IncomingMessage & { [SECRET_PATH]?: boolean })[SECRET_PATH] = true;
}

/**
 * Issued webhook URLs are credentials, and query strings may carry tokens: log only what is safe. The
 * path is judged as a lenient server would read it (`//w/…`, `/%77/…`, `http://host/w/…` are all /w/),
 * not by its spelling.
 */
function safePath(req: IncomingMessage, url: string | undefined): string {
  const target = url ?? '';
  if ((req as IncomingMessage & { [SECRET_PATH]?: boolean })[SECRET_PATH] || isWebhookPath(normalisedPath(target))) return `${WEBHOOK_PATH}[redacted]`;
  return originForm(target).split(/[?#]/)[0];
}

/**
 * One log line per request, tagged with the request id that is echoed in `x-request-id`. Written here
 * rather than with pino-http, which built a child logger, ran serializers and a redaction pass on every
 * request: on the hot paths that was the largest cost after the sockets. The line's fields are chosen
 * below and hold nothing secret, so it goes through a child logger with no redaction.
 */
export function requestLogger(logger: Logger) {
  const lines = logger.child({}, { redact: [] });
  return (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    const started = performance.now();
    const { method, url } = req;
    const ip = req.socket.remoteAddress;
    const incoming = req.headers['x-request-id'];
    const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.setHeader('x-request-id', id);
    res.once('close', () => {
      const statusCode = res.statusCode;
      const line = {
        req: { id, method, path: safePath(req, url), ip },
        res: { statusCode },
        responseTime: Math.round(performance.now() - started),
      };
      if (!res.writableFinished) lines.warn(line, 'request aborted');
      else if (statusCode >= 500) lines.error(line, 'request completed');
      else if (statusCode >= 400) lines.warn(line, 'request completed');
      else lines.info(line, 'request completed');
    });
    next();
  };
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
