import { lengthOf } from '../flat-attributes';
import { BUTTON_TYPES, ButtonType, DEFAULT_WEBVIEW_HEIGHT, LIMITS, PHONE_PATTERN, QUICK_REPLY_BUTTON_TYPES, Range, UUID_V4_PATTERN, WEBVIEW_HEIGHTS, WebviewHeight } from '../response.rules';
import type { Button } from '../response.types';
import { checkArray, checkPattern, checkString, Errors, isObject, own, rejectUnknown } from './checks';

const UUID_V4 = new RegExp(UUID_V4_PATTERN, 'u');
const PHONE = new RegExp(PHONE_PATTERN, 'u');
const BUTTON_FIELDS = new Set(['type', 'title', 'value']);
const WEBVIEW_FIELDS = new Set(['type', 'title', 'value', 'height']);
const KNOWN_BUTTON_TYPES: ReadonlySet<string> = new Set(BUTTON_TYPES);
const HEIGHTS: ReadonlySet<string> = new Set(WEBVIEW_HEIGHTS);
const HEIGHT_MESSAGE = `must be one of: ${WEBVIEW_HEIGHTS.join(', ')}`;
const PHONE_MESSAGE = `must be "+" followed by at least 2 digits, ${lengthOf(LIMITS.phone.value)} characters`;
const PLACEHOLDER_BUTTON: Button = Object.freeze({ type: 'postback', title: '', value: '' });

/** Where buttons sit, and so which of their types are allowed there. */
export interface ButtonContainer {
  name: string;
  allowed: ReadonlySet<string>;
  message: string;
}

function container(name: string, allowed: readonly ButtonType[]): ButtonContainer {
  return { name, allowed: new Set(allowed), message: `must be one of: ${allowed.join(', ')}` };
}

export const QUICK_REPLIES = container('quickReplies', QUICK_REPLY_BUTTON_TYPES);
export const CARDS = container('cards', BUTTON_TYPES);
export const BUTTONS = container('buttons', BUTTON_TYPES);

export function checkButtons(value: unknown, path: string, range: Range, where: ButtonContainer, errors: Errors): Button[] {
  const list = checkArray(value, path, range, errors);
  const out: Button[] = new Array(list.length);
  for (let i = 0; i < list.length; i++) {
    out[i] = checkButton(list[i], `${path}[${i}]`, where, errors);
  }
  return out;
}

function checkButton(item: unknown, path: string, where: ButtonContainer, errors: Errors): Button {
  if (!isObject(item)) {
    errors.push({ path, message: 'must be an object' });
    return PLACEHOLDER_BUTTON;
  }
  const type = own(item, 'type');
  if (typeof type !== 'string' || !where.allowed.has(type)) {
    errors.push({ path: `${path}.type`, message: buttonTypeMessage(type, where) });
    return PLACEHOLDER_BUTTON;
  }
  const title = own(item, 'title');
  const value = own(item, 'value');
  let button: Button;
  switch (type as ButtonType) {
    case 'postback':
      button = {
        type: 'postback',
        title: checkString(title, `${path}.title`, LIMITS.postback.title, errors),
        value: checkString(value, `${path}.value`, LIMITS.postback.value, errors),
      };
      break;
    case 'goto':
      button = {
        type: 'goto',
        title: checkString(title, `${path}.title`, LIMITS.goto.title, errors),
        value: checkPattern(value, `${path}.value`, UUID_V4, 'must be a UUID v4', errors),
      };
      break;
    case 'url':
      button = {
        type: 'url',
        title: checkString(title, `${path}.title`, LIMITS.url.title, errors),
        value: checkString(value, `${path}.value`, LIMITS.url.value, errors),
      };
      break;
    case 'webview':
      button = {
        type: 'webview',
        title: checkString(title, `${path}.title`, LIMITS.webview.title, errors),
        value: checkString(value, `${path}.value`, LIMITS.webview.value, errors),
        height: checkHeight(own(item, 'height'), `${path}.height`, errors),
      };
      rejectUnknown(item, WEBVIEW_FIELDS, path, errors);
      return button;
    case 'phone':
      button = {
        type: 'phone',
        title: checkString(title, `${path}.title`, LIMITS.phone.title, errors),
        value: checkPhone(value, `${path}.value`, errors),
      };
      break;
  }
  rejectUnknown(item, BUTTON_FIELDS, path, errors);
  return button;
}

function buttonTypeMessage(type: unknown, where: ButtonContainer): string {
  if (type === undefined) return 'is required';
  if (typeof type === 'string' && KNOWN_BUTTON_TYPES.has(type)) {
    return `${type} buttons are not allowed in ${where.name}; ${where.message}`;
  }
  return where.message;
}

function checkHeight(value: unknown, path: string, errors: Errors): WebviewHeight {
  if (value === undefined) return DEFAULT_WEBVIEW_HEIGHT;
  if (typeof value === 'string' && HEIGHTS.has(value)) return value as WebviewHeight;
  errors.push({ path, message: HEIGHT_MESSAGE });
  return DEFAULT_WEBVIEW_HEIGHT;
}

function checkPhone(value: unknown, path: string, errors: Errors): string {
  const phone = checkString(value, path, LIMITS.phone.value, errors, PHONE_MESSAGE);
  if (phone !== '' && !PHONE.test(phone)) errors.push({ path, message: PHONE_MESSAGE });
  return phone;
}
