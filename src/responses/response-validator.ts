import { Injectable } from '@nestjs/common';
import { checkFlatObject, lengthOf } from './flat-attributes';
import { DEFAULT_DELAY, LIMITS, RESPONSE_TYPES, ResponseType } from './response.rules';
import type { BotResponse, NormalizedReply, ReplyValidation, ResponseViolation } from './response.types';
import { BUTTONS_FIELDS, checkButtonsResponse } from './validation/buttons';
import { CARDS_FIELDS, checkCards } from './validation/cards';
import { Errors, isObject, Json, own, rejectUnknown } from './validation/checks';
import { checkImage, IMAGE_FIELDS } from './validation/image';
import { checkQuickReplies, QUICK_REPLIES_FIELDS } from './validation/quick-replies';
import { checkRandomText, RANDOM_TEXT_FIELDS } from './validation/random-text';
import { checkText, TEXT_FIELDS } from './validation/text';

const ROOT_FIELDS = new Set(['responses', 'attributes']);
const RESPONSE_TYPE_MESSAGE = `must be one of: ${RESPONSE_TYPES.join(', ')}`;
const DELAY_MESSAGE = `must be an integer from ${LIMITS.delay.min} to ${LIMITS.delay.max}`;
const PLACEHOLDER_RESPONSE: BotResponse = Object.freeze({ type: 'text', message: '', delay: DEFAULT_DELAY });

/** Each response type's fields and the check that builds it (its delay is judged here, for all of them). */
const RESPONSE_CHECKS: Record<ResponseType, { fields: ReadonlySet<string>; check: (item: Json, path: string, errors: Errors) => BotResponse }> = {
  text: { fields: TEXT_FIELDS, check: checkText },
  randomText: { fields: RANDOM_TEXT_FIELDS, check: checkRandomText },
  image: { fields: IMAGE_FIELDS, check: checkImage },
  quickReplies: { fields: QUICK_REPLIES_FIELDS, check: checkQuickReplies },
  cards: { fields: CARDS_FIELDS, check: checkCards },
  buttons: { fields: BUTTONS_FIELDS, check: checkButtonsResponse },
};

/**
 * Checks a backend's reply against contract §5 and returns it normalized (defaults filled, nothing else
 * changed, fresh objects), or every violation with its path. An absent `responses` normalizes to `[]` and
 * an absent `attributes` to `{}`, so consumers always get both.
 */
export function validateReply(input: unknown): ReplyValidation {
  if (!isObject(input)) {
    return { valid: false, errors: [{ path: '', message: 'must be a JSON object with responses and/or attributes' }], total: 1 };
  }
  const errors = new Errors();
  const responses = checkResponses(own(input, 'responses'), errors);
  const rawAttributes = own(input, 'attributes');
  const attributes = rawAttributes === undefined ? {} : checkFlatObject(rawAttributes, 'attributes', errors);
  rejectUnknown(input, ROOT_FIELDS, '', errors);
  if (errors.total > 0) return { valid: false, errors: errors.listed, total: errors.total };
  const normalized: NormalizedReply = { responses, attributes };
  return { valid: true, normalized };
}

/** The validator as a provider, so modules that dispatch replies inject it rather than import a function. */
@Injectable()
export class ResponseValidator {
  validate(input: unknown): ReplyValidation {
    return validateReply(input);
  }
}

/** `2 violations`, or `9999 violations, the first 100 listed` when only some are. */
export function violationCount(result: { errors: readonly ResponseViolation[]; total: number }): string {
  const count = `${result.total} violation${result.total === 1 ? '' : 's'}`;
  return result.total > result.errors.length ? `${count}, the first ${result.errors.length} listed` : count;
}

function checkResponses(value: unknown, errors: Errors): BotResponse[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    errors.push({ path: 'responses', message: 'must be an array' });
    return [];
  }
  if (value.length > LIMITS.responses.max) {
    errors.push({ path: 'responses', message: `must have ${lengthOf(LIMITS.responses)} items` });
  }
  const out: BotResponse[] = new Array(value.length);
  for (let i = 0; i < value.length; i++) {
    out[i] = checkResponse(value[i], `responses[${i}]`, errors);
  }
  return out;
}


function checkResponse(item: unknown, path: string, errors: Errors): BotResponse {
  if (!isObject(item)) {
    errors.push({ path, message: 'must be an object' });
    return PLACEHOLDER_RESPONSE;
  }
  const type = own(item, 'type');
  const rule = typeof type === 'string' && Object.hasOwn(RESPONSE_CHECKS, type) ? RESPONSE_CHECKS[type as ResponseType] : undefined;
  if (rule === undefined) {
    // Without a known type the allowed fields are unknown too, so only `type` and `delay` are judged.
    errors.push({ path: `${path}.type`, message: type === undefined ? 'is required' : RESPONSE_TYPE_MESSAGE });
    checkDelay(own(item, 'delay'), path, errors);
    return PLACEHOLDER_RESPONSE;
  }
  const response = rule.check(item, path, errors);
  response.delay = checkDelay(own(item, 'delay'), path, errors);
  rejectUnknown(item, rule.fields, path, errors);
  return response;
}

function checkDelay(value: unknown, responsePath: string, errors: Errors): number {
  if (value === undefined) return DEFAULT_DELAY;
  if (typeof value === 'number' && Number.isInteger(value) && value >= LIMITS.delay.min && value <= LIMITS.delay.max) {
    return value;
  }
  errors.push({ path: `${responsePath}.delay`, message: DELAY_MESSAGE });
  return DEFAULT_DELAY;
}
