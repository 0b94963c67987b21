import { hasCodePointLength } from '../../common/code-points';
import { lengthOf, memberPath } from '../flat-attributes';
import { HTTP_URL_PATTERN, MAX_LISTED_VIOLATIONS, Range } from '../response.rules';
import type { ResponseViolation } from '../response.types';

/*
 * Hand-written, straight-line checks rather than a generic engine: this runs on every dispatched reply, and
 * walking the known structure by hand is both the fastest option and the one that names each path exactly.
 *
 * Safety with hostile JSON: only own properties are read (Object.hasOwn / Object.keys), so an own `__proto__`
 * or `constructor` key is just an unknown field; values of unknown fields are never descended into, so depth
 * costs nothing; outputs are fresh objects built from validated keys only, so the input is never mutated.
 *
 * Failed checks return a placeholder of the right type instead of threading `undefined` through every
 * builder: a single violation discards the whole normalized reply, so a placeholder never escapes.
 */

export type Json = Record<string, unknown>;

/**
 * Keeps the first MAX_LISTED_VIOLATIONS and counts the rest: a reply under the body limit can break the
 * rules tens of thousands of times, and listing every one made an answer several times its request.
 */
export class Errors {
  readonly listed: ResponseViolation[] = [];
  total = 0;

  push(violation: ResponseViolation): void {
    if (this.total++ < MAX_LISTED_VIOLATIONS) this.listed.push(violation);
  }
}

const HTTP_URL = new RegExp(HTTP_URL_PATTERN, 'u');

export function checkUrl(value: unknown, path: string, range: Range, errors: Errors): string {
  const url = checkString(value, path, range, errors);
  if (url !== '' && !HTTP_URL.test(url)) errors.push({ path, message: 'must be an http or https URL' });
  return url;
}

export function checkPattern(value: unknown, path: string, pattern: RegExp, message: string, errors: Errors): string {
  if (value === undefined) {
    errors.push({ path, message: 'is required' });
  } else if (typeof value !== 'string' || !pattern.test(value)) {
    errors.push({ path, message });
  } else {
    return value;
  }
  return '';
}

/** Returns the string, or '' after recording why it is not acceptable. */
export function checkString(value: unknown, path: string, range: Range, errors: Errors, lengthMessage?: string): string {
  if (value === undefined) {
    errors.push({ path, message: 'is required' });
  } else if (typeof value !== 'string') {
    errors.push({ path, message: 'must be a string' });
  } else if (!hasLength(value, range)) {
    errors.push({ path, message: lengthMessage ?? lengthRule(range) });
  } else {
    return value;
  }
  return '';
}

/** Returns the array, or [] after recording why it is not acceptable; a wrong length still has its items judged. */
export function checkArray(value: unknown, path: string, range: Range, errors: Errors): unknown[] {
  if (value === undefined) {
    errors.push({ path, message: 'is required' });
    return [];
  }
  if (!Array.isArray(value)) {
    errors.push({ path, message: 'must be an array' });
    return [];
  }
  if (value.length < range.min || value.length > range.max) {
    errors.push({ path, message: `must have ${lengthOf(range)} items` });
  }
  return value;
}

export function rejectUnknown(item: Json, allowed: ReadonlySet<string>, path: string, errors: Errors): void {
  const keys = Object.keys(item);
  for (let i = 0; i < keys.length; i++) {
    if (!allowed.has(keys[i])) errors.push({ path: memberPath(path, keys[i]), message: 'unknown field' });
  }
}

function lengthRule(range: Range): string {
  return `must be ${lengthOf(range)} characters`;
}

function hasLength(value: string, range: Range): boolean {
  return hasCodePointLength(value, range.min, range.max);
}

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function own(item: Json, key: string): unknown {
  return Object.hasOwn(item, key) ? item[key] : undefined;
}
