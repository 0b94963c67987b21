import type { ArgumentMetadata, Type } from '@nestjs/common';
import { AppError, FieldError } from '../common/errors';
import { RequestValidationPipe } from '../common/validation.pipe';
import { headerProblems } from './header-rules';

/**
 * The global request validation plus the per-header rules of §4.1, merged into one answer so that a body
 * with a bad name and a bad header gets both problems back at once. Header names are keys chosen by the
 * caller, which class-validator cannot give a path of their own, hence this pipe. Use it with a body
 * parameter typed as an interface, so the global pipe lets the body through to here untouched.
 */
export class ConnectionBodyPipe extends RequestValidationPipe {
  constructor(private readonly dto: Type<object>) {
    super();
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    let problems: FieldError[] = [];
    let validated: unknown;
    try {
      validated = await super.transform(value, { ...metadata, metatype: this.dto });
    } catch (error) {
      if (!(error instanceof AppError) || !error.errors) throw error;
      problems = [...error.errors];
    }
    const body = (value ?? {}) as Record<string, unknown>;
    problems.push(...headerProblems(body.headers, body.auth !== undefined && body.auth !== null));
    if (problems.length > 0) throw new AppError('bad_request', 'request validation failed', { errors: problems });
    return validated;
  }
}
