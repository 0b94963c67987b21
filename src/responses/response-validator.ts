import { Injectable } from '@nestjs/common';
import { hasCodePointLength } from '../common/code-points';
import { checkFlatObject, lengthOf, memberPath } from './flat-attributes';
import {
  BUTTON_TYPES,
  ButtonType,
  CARD_BUTTON_TYPES,
  DEFAULT_DELAY,
  DEFAULT_WEBVIEW_HEIGHT,
  HTTP_URL_PATTERN,
  LIMITS,
  MAX_LISTED_VIOLATIONS,
  PHONE_PATTERN,
  QUICK_REPLY_BUTTON_TYPES,
  Range,
  RESPONSE_TYPES,
  UUID_V4_PATTERN,
  WEBVIEW_HEIGHTS,
  WebviewHeight,
} from './response.rules';
import type {
  BotResponse,
  Button,
  CardElement,
  NormalizedReply,
  QuickReplyButton,
  ReplyValidation,
  ResponseViolation,
} from './response.types';

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

type Json = Record<string, unknown>;

/**
 * Keeps the first MAX_LISTED_VIOLATIONS and counts the rest: a reply under the body limit can break the
 * rules tens of thousands of times, and listing every one made an answer several times its request.
 */
class Errors {
  readonly listed: ResponseViolation[] = [];
  total = 0;

  push(violation: ResponseViolation): void {
    if (this.total++ < MAX_LISTED_VIOLATIONS) this.listed.push(violation);
  }
}

const UUID_V4 = new RegExp(UUID_V4_PATTERN, 'u');
const PHONE = new RegExp(PHONE_PATTERN, 'u');
const HTTP_URL = new RegExp(HTTP_URL_PATTERN, 'u');

const ROOT_FIELDS = new Set(['responses', 'attributes']);
const RESPONSE_FIELDS = {
  text: new Set(['type', 'delay', 'message']),
  randomText: new Set(['type', 'delay', 'messages']),
  image: new Set(['type', 'delay', 'imageUrl']),
  quickReplies: new Set(['type', 'delay', 'title', 'buttons']),
  cards: new Set(['type', 'delay', 'elements']),
  buttons: new Set(['type', 'delay', 'title', 'buttons']),
};
const ELEMENT_FIELDS = new Set(['title', 'subtitle', 'imageUrl', 'buttons']);
const BUTTON_FIELDS = new Set(['type', 'title', 'value']);
const WEBVIEW_FIELDS = new Set(['type', 'title', 'value', 'height']);
const KNOWN_BUTTON_TYPES: ReadonlySet<string> = new Set(BUTTON_TYPES);
const HEIGHTS: ReadonlySet<string> = new Set(WEBVIEW_HEIGHTS);

const RESPONSE_TYPE_MESSAGE = `must be one of: ${RESPONSE_TYPES.join(', ')}`;
const HEIGHT_MESSAGE = `must be one of: ${WEBVIEW_HEIGHTS.join(', ')}`;
const DELAY_MESSAGE = `must be an integer from ${LIMITS.delay.min} to ${LIMITS.delay.max}`;
const PHONE_MESSAGE = `must be "+" followed by at least 2 digits, ${lengthOf(LIMITS.phone.value)} characters`;

interface ButtonContainer {
  name: string;
  allowed: ReadonlySet<string>;
  message: string;
}

function container(name: string, allowed: readonly ButtonType[]): ButtonContainer {
  return { name, allowed: new Set(allowed), message: `must be one of: ${allowed.join(', ')}` };
}

const PLACEHOLDER_RESPONSE: BotResponse = Object.freeze({ type: 'text', message: '', delay: DEFAULT_DELAY });
const PLACEHOLDER_ELEMENT: CardElement = Object.freeze({ title: '', subtitle: '', imageUrl: '', buttons: [] });
const PLACEHOLDER_BUTTON: Button = Object.freeze({ type: 'postback', title: '', value: '' });

const QUICK_REPLIES = container('quickReplies', QUICK_REPLY_BUTTON_TYPES);
const CARDS = container('cards', CARD_BUTTON_TYPES);
const BUTTONS = container('buttons', CARD_BUTTON_TYPES);

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
  let response: BotResponse;
  switch (type) {
    case 'text':
      response = {
        type,
        message: checkString(own(item, 'message'), `${path}.message`, LIMITS.text.message, errors),
        delay: 0,
      };
      break;
    case 'randomText':
      response = { type, messages: checkMessages(own(item, 'messages'), `${path}.messages`, errors), delay: 0 };
      break;
    case 'image':
      response = {
        type,
        imageUrl: checkUrl(own(item, 'imageUrl'), `${path}.imageUrl`, LIMITS.image.imageUrl, errors),
        delay: 0,
      };
      break;
    case 'quickReplies':
      response = {
        type,
        title: checkString(own(item, 'title'), `${path}.title`, LIMITS.quickReplies.title, errors),
        buttons: checkButtons(
          own(item, 'buttons'),
          `${path}.buttons`,
          LIMITS.quickReplies.buttons,
          QUICK_REPLIES,
          errors,
        ) as QuickReplyButton[],
        delay: 0,
      };
      break;
    case 'cards':
      response = { type, elements: checkElements(own(item, 'elements'), `${path}.elements`, errors), delay: 0 };
      break;
    case 'buttons':
      response = {
        type,
        title: checkString(own(item, 'title'), `${path}.title`, LIMITS.buttons.title, errors),
        buttons: checkButtons(own(item, 'buttons'), `${path}.buttons`, LIMITS.buttons.buttons, BUTTONS, errors),
        delay: 0,
      };
      break;
    default:
      // Without a known type the allowed fields are unknown too, so only `type` and `delay` are judged.
      errors.push({ path: `${path}.type`, message: type === undefined ? 'is required' : RESPONSE_TYPE_MESSAGE });
      checkDelay(own(item, 'delay'), path, errors);
      return PLACEHOLDER_RESPONSE;
  }
  response.delay = checkDelay(own(item, 'delay'), path, errors);
  rejectUnknown(item, RESPONSE_FIELDS[type], path, errors);
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

function checkMessages(value: unknown, path: string, errors: Errors): string[] {
  const list = checkArray(value, path, LIMITS.randomText.messages, errors);
  const out: string[] = new Array(list.length);
  for (let i = 0; i < list.length; i++) {
    out[i] = checkString(list[i], `${path}[${i}]`, LIMITS.randomText.message, errors);
  }
  return out;
}

function checkElements(value: unknown, path: string, errors: Errors): CardElement[] {
  const list = checkArray(value, path, LIMITS.cards.elements, errors);
  const out: CardElement[] = new Array(list.length);
  for (let i = 0; i < list.length; i++) {
    out[i] = checkElement(list[i], `${path}[${i}]`, errors);
  }
  return out;
}

function checkElement(item: unknown, path: string, errors: Errors): CardElement {
  if (!isObject(item)) {
    errors.push({ path, message: 'must be an object' });
    return PLACEHOLDER_ELEMENT;
  }
  const element: CardElement = {
    title: checkString(own(item, 'title'), `${path}.title`, LIMITS.cards.title, errors),
    subtitle: checkString(own(item, 'subtitle'), `${path}.subtitle`, LIMITS.cards.subtitle, errors),
    imageUrl: checkUrl(own(item, 'imageUrl'), `${path}.imageUrl`, LIMITS.cards.imageUrl, errors),
    buttons: checkButtons(own(item, 'buttons'), `${path}.buttons`, LIMITS.cards.buttons, CARDS, errors),
  };
  rejectUnknown(item, ELEMENT_FIELDS, path, errors);
  return element;
}

function checkButtons(value: unknown, path: string, range: Range, where: ButtonContainer, errors: Errors): Button[] {
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

function checkUrl(value: unknown, path: string, range: Range, errors: Errors): string {
  const url = checkString(value, path, range, errors);
  if (url !== '' && !HTTP_URL.test(url)) errors.push({ path, message: 'must be an http or https URL' });
  return url;
}

function checkPattern(value: unknown, path: string, pattern: RegExp, message: string, errors: Errors): string {
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
function checkString(value: unknown, path: string, range: Range, errors: Errors, lengthMessage?: string): string {
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
function checkArray(value: unknown, path: string, range: Range, errors: Errors): unknown[] {
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

function rejectUnknown(item: Json, allowed: ReadonlySet<string>, path: string, errors: Errors): void {
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

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function own(item: Json, key: string): unknown {
  return Object.hasOwn(item, key) ? item[key] : undefined;
}
