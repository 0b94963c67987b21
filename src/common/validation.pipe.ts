import { ArgumentMetadata, Injectable, ValidationError, ValidationPipe } from '@nestjs/common';
import { AppError, FieldError } from './errors';

function flatten(errors: ValidationError[], parent = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const error of errors) {
    const path = /^\d+$/.test(error.property) ? `${parent}[${error.property}]` : parent ? `${parent}.${error.property}` : error.property;
    for (const [constraint, message] of Object.entries(error.constraints ?? {})) {
      out.push({ path, message: constraint === 'whitelistValidation' ? 'unknown field' : message });
    }
    if (error.children?.length) out.push(...flatten(error.children, path));
  }
  return out;
}

/**
 * Request DTO validation: unknown fields are refused, every problem is listed with its path, and a
 * body that is not a JSON object is a 400 rather than something class-transformer guesses at.
 */
@Injectable()
export class RequestValidationPipe extends ValidationPipe {
  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      validateCustomDecorators: false,
      stopAtFirstError: false,
      exceptionFactory: (errors) => new AppError('bad_request', 'request validation failed', flatten(errors)),
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' && metadata.metatype && metadata.metatype !== Object) {
      if (value === undefined) value = {};
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        throw new AppError('bad_request', 'request body must be a JSON object');
      }
    }
    if (metadata.type === 'query' && metadata.metatype && value && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) {
        if (typeof item !== 'string' && item !== undefined) {
          throw new AppError('bad_request', 'request validation failed', [{ path: key, message: 'must be given once, as a plain value' }]);
        }
      }
    }
    return super.transform(value, metadata);
  }
}
