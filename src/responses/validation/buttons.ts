import { LIMITS } from '../response.rules';
import type { ButtonsResponse } from '../response.types';
import { BUTTONS, checkButtons } from './button';
import { checkString, Errors, Json, own } from './checks';

export const BUTTONS_FIELDS = new Set(['type', 'delay', 'title', 'buttons']);

export function checkButtonsResponse(item: Json, path: string, errors: Errors): ButtonsResponse {
  return {
    type: 'buttons',
    title: checkString(own(item, 'title'), `${path}.title`, LIMITS.buttons.title, errors),
    buttons: checkButtons(own(item, 'buttons'), `${path}.buttons`, LIMITS.buttons.buttons, BUTTONS, errors),
    delay: 0,
  };
}
