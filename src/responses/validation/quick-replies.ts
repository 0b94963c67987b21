import { LIMITS } from '../response.rules';
import type { QuickRepliesResponse, QuickReplyButton } from '../response.types';
import { checkButtons, QUICK_REPLIES } from './button';
import { checkString, Errors, Json, own } from './checks';

export const QUICK_REPLIES_FIELDS = new Set(['type', 'delay', 'title', 'buttons']);

export function checkQuickReplies(item: Json, path: string, errors: Errors): QuickRepliesResponse {
  return {
    type: 'quickReplies',
    title: checkString(own(item, 'title'), `${path}.title`, LIMITS.quickReplies.title, errors),
    buttons: checkButtons(own(item, 'buttons'), `${path}.buttons`, LIMITS.quickReplies.buttons, QUICK_REPLIES, errors) as QuickReplyButton[],
    delay: 0,
  };
}
