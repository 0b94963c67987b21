import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { AppError, errorEnvelope, errorTypeFor, FieldError, Reason, refuse } from './errors';
import { isDatabaseUnavailable } from './database-errors';

interface Described {
  status: number;
  message: string;
  errors?: FieldError[];
  headers?: Record<string, string>;
  reason?: Reason;
}

interface BodyParserError {
  type?: string;
  status?: number;
  expose?: boolean;
  message?: string;
}

/** Turns every error into the contract's envelope; a 500 never shows its cause to the caller. */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('ErrorFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    if (res.headersSent) {
      res.end();
      return;
    }
    const { status, message, errors, headers, reason } = this.describe(exception);
    if (headers) for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    res.status(status).json(errorEnvelope(errorTypeFor(status), message, errors, reason));
  }

  private describe(exception: unknown): Described {
    if (exception instanceof AppError) return described(exception);
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const body = exception.getResponse();
      const cause = (exception as { cause?: BodyParserError }).cause;
      if (cause && typeof cause === 'object' && typeof cause.type === 'string') return this.bodyParser(cause);
      const message = typeof body === 'string' ? body : ((body as { message?: unknown }).message ?? exception.message);
      return { status, message: Array.isArray(message) ? message.join('; ') : String(message) };
    }
    const parserError = exception as BodyParserError;
    if (parserError && typeof parserError === 'object' && typeof parserError.type === 'string' && parserError.status) {
      return this.bodyParser(parserError);
    }
    if (isDatabaseUnavailable(exception)) {
      this.logger.warn(`database unavailable: ${(exception as Error).message}`);
      return described(refuse('database_unavailable', 'the database is unavailable; try again shortly', { headers: { 'retry-after': '5' } }));
    }
    this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    return { status: 500, message: 'internal error' };
  }

  private bodyParser(error: BodyParserError): { status: number; message: string } {
    switch (error.type) {
      case 'entity.parse.failed':
        return { status: 400, message: 'request body is not valid JSON' };
      case 'entity.too.large':
        return { status: 413, message: 'request body is too large' };
      case 'encoding.unsupported':
      case 'charset.unsupported':
        return { status: 415, message: error.message ?? 'unsupported encoding' };
      default:
        return { status: error.status && error.status < 500 ? error.status : 400, message: error.expose ? (error.message ?? 'bad request') : 'bad request' };
    }
  }
}

function described(error: AppError): Described {
  return { status: error.status, message: error.message, errors: error.errors, headers: error.headers, reason: error.reason };
}
