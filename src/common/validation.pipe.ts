import { ArgumentMetadata, Injectable, ValidationError, ValidationPipe } from '@nestjs/common';
import { AppError, FieldError } from './errors';
import { MAX_JSON_DEPTH } from './json-depth';

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


const childPath = (parent: string, key: string): string => (/^\d+$/.test(key) ? `${parent}[${key}]` : parent ? `${parent}.${key}` : key);

/**
 * What class-validator cannot see but Postgres refuses: a NUL character in any string or key (text
 * columns cannot hold it), and nesting deep enough to blow the stack of the transformer. Walks without
 * recursion, so the check itself cannot overflow.
 */
export function unstorableInput(value: unknown): FieldError[] {
  const problems: FieldError[] = [];
  const pending: Array<[unknown, string, number]> = [[value, '', 0]];
  while (pending.length > 0) {
    const [item, path, depth] = pending.pop()!;
    if (typeof item === 'string') {
      if (item.includes('\u0000')) problems.push({ path, message: 'must not contain the NUL character (\\u0000)' });
      continue;
    }
    if (item === null || typeof item !== 'object') continue;
    if (depth >= MAX_JSON_DEPTH) return [{ path, message: `nested more than ${MAX_JSON_DEPTH} levels deep` }];
    for (const [key, child] of Object.entries(item)) {
      if (key.includes('\u0000')) problems.push({ path: childPath(path, key.replaceAll('\u0000', '\\u0000')), message: 'field names must not contain the NUL character (\\u0000)' });
      pending.push([child, childPath(path, key), depth + 1]);
    }
  }
  return problems;
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
      exceptionFactory: (errors) => new AppError('bad_request', 'request validation failed', { errors: flatten(errors) }),
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' && metadata.metatype && metadata.metatype !== Object) {
      if (value === undefined) value = {};
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        throw new AppError('bad_request', 'request body must be a JSON object');
      }
      const problems = unstorableInput(value);
      if (problems.length > 0) throw new AppError('bad_request', 'request validation failed', { errors: problems });
    }
    if (metadata.type === 'query' && metadata.metatype && value && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) {
        if (typeof item !== 'string' && item !== undefined) {
          throw new AppError('bad_request', 'request validation failed', { errors: [{ path: key, message: 'must be given once, as a plain value' }] });
        }
      }
      const problems = unstorableInput(value);
      if (problems.length > 0) throw new AppError('bad_request', 'request validation failed', { errors: problems });
    }
    return super.transform(value, metadata);
  }
}
