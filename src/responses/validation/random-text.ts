import { LIMITS } from '../response.rules';
import type { RandomTextResponse } from '../response.types';
import { checkArray, checkString, Errors, Json, own } from './checks';

export const RANDOM_TEXT_FIELDS = new Set(['type', 'delay', 'messages']);

export function checkRandomText(item: Json, path: string, errors: Errors): RandomTextResponse {
  return { type: 'randomText', messages: checkMessages(own(item, 'messages'), `${path}.messages`, errors), delay: 0 };
}

function checkMessages(value: unknown, path: string, errors: Errors): string[] {
  const list = checkArray(value, path, LIMITS.randomText.messages, errors);
  const out: string[] = new Array(list.length);
  for (let i = 0; i < list.length; i++) {
    out[i] = checkString(list[i], `${path}[${i}]`, LIMITS.randomText.message, errors);
  }
  return out;
}
