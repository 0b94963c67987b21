import { Injectable, PipeTransform } from '@nestjs/common';
import { ApiParam } from '@nestjs/swagger';
import { AppError } from './errors';
import { OBJECT_ID, UUID } from './ids';

/** Path parameters that are ids: the pipes that read them and their OpenAPI entries. */

@Injectable()
export class ParseObjectIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (typeof value !== 'string' || !OBJECT_ID.test(value)) {
      throw new AppError('bad_request', `malformed id "${String(value).slice(0, 64)}": expected 24 lowercase hex characters`);
    }
    return value;
  }
}

@Injectable()
export class ParseUuidPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    // Any case is accepted in a path and read as the lowercase id it names.
    const id = typeof value === 'string' ? value.toLowerCase() : '';
    if (!UUID.test(id)) {
      throw new AppError('bad_request', `malformed id "${String(value).slice(0, 64)}": expected a UUID`);
    }
    return id;
  }
}

/** The OpenAPI entry of a path parameter read by ParseObjectIdPipe. */
export const ApiObjectIdParam = (name: string) =>
  ApiParam({ name, description: '24 lowercase hex characters', schema: { type: 'string', pattern: OBJECT_ID.source, example: '65a1f0c2e4b0a1b2c3d4e5f6' } });

/** The OpenAPI entry of a path parameter read by ParseUuidPipe, which takes any case. */
export const ApiUuidParam = (name: string) =>
  ApiParam({ name, description: 'A UUID, in any case', schema: { type: 'string', format: 'uuid', pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' } });
