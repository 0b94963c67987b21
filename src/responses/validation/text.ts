import { LIMITS } from '../response.rules';
import type { TextResponse } from '../response.types';
import { checkString, Errors, Json, own } from './checks';

export const TEXT_FIELDS = new Set(['type', 'delay', 'message']);

export function checkText(item: Json, path: string, errors: Errors): TextResponse {
  return { type: 'text', message: checkString(own(item, 'message'), `${path}.message`, LIMITS.text.message, errors), delay: 0 };
}
