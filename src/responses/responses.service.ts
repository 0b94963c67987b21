import { Injectable } from '@nestjs/common';
import { AppError } from '../common/errors';
import { ResponseValidator, violationCount } from './response-validator';
import type { NormalizedReply } from './response.types';

export interface ValidReply {
  valid: true;
  normalized: NormalizedReply;
}

@Injectable()
export class ResponsesService {
  constructor(private readonly validator: ResponseValidator) {}

  /**
   * Judges a reply for a user trying out their backend. A missing body counts as the empty reply, because a
   * dispatch accepts an empty reply too; violations are 422, not 400, since the body is the thing judged.
   */
  validate(body: unknown): ValidReply {
    const result = this.validator.validate(body === undefined ? {} : body);
    if (result.valid) return result;
    throw new AppError('unprocessable_entity', `the reply is not valid: ${violationCount(result)}`, { errors: result.errors });
  }
}
