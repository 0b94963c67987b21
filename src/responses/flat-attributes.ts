import { hasCodePointLength } from '../common/code-points';
import { LIMITS, Range, RESERVED_ATTRIBUTE_KEYS } from './response.rules';
import type { AttributeValue, ResponseViolation } from './response.types';

/** Where violations go; the validator's collector keeps only the first few, a plain array keeps all. */
export interface ViolationSink {
  push(violation: ResponseViolation): void;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const RESERVED_KEYS: ReadonlySet<string> = new Set(RESERVED_ATTRIBUTE_KEYS);
const { key: KEY, stringValue: STRING_VALUE } = LIMITS.attributes;
const KEY_MESSAGE = `name must be ${lengthOf(KEY)} characters`;
const VALUE_MESSAGE = 'must be a string, number, boolean or null';

/**
 * A property path as users write it in JavaScript: `a.b` for identifier keys, `a["b c"]` (a JSON string,
 * so quotes and control characters stay unambiguous) for anything else.
 */
export function memberPath(base: string, key: string): string {
  if (IDENTIFIER.test(key)) return base === '' ? key : `${base}.${key}`;
  return `${base}[${JSON.stringify(key)}]`;
}

export function lengthOf(range: Range): string {
  return range.min === 0 ? `at most ${range.max}` : `${range.min} to ${range.max}`;
}

/**
 * Judges a flat object of attributes (§5: keys 1..128 characters, values strings ≤ 1024, finite numbers,
 * booleans or null) and returns a fresh copy of its valid entries. A backend's reply and a dispatch's
 * `attributes` and `userAttributes` go through this one function, so the two cannot disagree on a key.
 */
export function checkFlatObject(value: unknown, path: string, errors: ViolationSink): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    errors.push({ path, message: 'must be an object' });
    return out;
  }
  const entries = value as Record<string, unknown>;
  for (const key of Object.keys(entries)) {
    // One violation per path: a refused name makes its value moot.
    if (RESERVED_KEYS.has(key)) {
      errors.push({ path: memberPath(path, key), message: 'is a reserved name' });
      continue;
    }
    if (!hasCodePointLength(key, KEY.min, KEY.max)) {
      errors.push({ path: memberPath(path, key), message: KEY_MESSAGE });
      continue;
    }
    const item = entries[key];
    switch (typeof item) {
      case 'string':
        if (!hasCodePointLength(item, STRING_VALUE.min, STRING_VALUE.max)) {
          errors.push({ path: memberPath(path, key), message: `must be ${lengthOf(STRING_VALUE)} characters` });
          continue;
        }
        break;
      case 'number':
        if (!Number.isFinite(item)) {
          errors.push({ path: memberPath(path, key), message: 'must be a finite number' });
          continue;
        }
        break;
      case 'boolean':
        break;
      default:
        if (item !== null) {
          errors.push({ path: memberPath(path, key), message: VALUE_MESSAGE });
          continue;
        }
    }
    out[key] = item as AttributeValue;
  }
  return out;
}
