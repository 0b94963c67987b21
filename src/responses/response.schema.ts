import type { SchemaObject } from '@nestjs/swagger';
import {
  DEFAULT_DELAY,
  DEFAULT_WEBVIEW_HEIGHT,
  HTTP_URL_PATTERN,
  LIMITS,
  PHONE_PATTERN,
  Range,
  RESERVED_ATTRIBUTE_KEYS,
  UUID_V4_PATTERN,
  WEBVIEW_HEIGHTS,
} from './response.rules';

/*
 * The rules of contract §5 as a JSON Schema, for two readers: the OpenAPI document (so `/docs` shows the
 * accepted shapes) and ajv (a cross-check in the unit spec and the yardstick in the benchmark).
 *
 * It stays inside the keywords OpenAPI 3.0 knows, because @nestjs/swagger emits 3.0: no `$schema`, no `$ref`
 * (it is embedded inline), single-value `enum` instead of `const` for the `type` discriminators, `nullable`
 * instead of a `null` type. Attribute names are the one rule 3.0 cannot say (`propertyNames`), so ajv gets
 * `replyAjvSchema`, which is this schema plus that keyword.
 */

function string(range: Range, extra: SchemaObject = {}): SchemaObject {
  return range.min === 0
    ? { type: 'string', maxLength: range.max, ...extra }
    : { type: 'string', minLength: range.min, maxLength: range.max, ...extra };
}

function array(items: SchemaObject, range: Range): SchemaObject {
  return { type: 'array', minItems: range.min, maxItems: range.max, items };
}

function variant(type: string, properties: Record<string, SchemaObject>, required: string[]): SchemaObject {
  return {
    type: 'object',
    title: type,
    additionalProperties: false,
    required: ['type', ...required],
    properties: { type: { type: 'string', enum: [type] }, ...properties },
  };
}

const delay: SchemaObject = {
  type: 'integer',
  minimum: LIMITS.delay.min,
  maximum: LIMITS.delay.max,
  default: DEFAULT_DELAY,
  description: 'Milliseconds to wait before showing this response.',
};

const httpUrl = (range: Range): SchemaObject =>
  string(range, { pattern: HTTP_URL_PATTERN, description: 'An absolute http or https URL.' });

const postback = variant('postback', { title: string(LIMITS.postback.title), value: string(LIMITS.postback.value) }, [
  'title',
  'value',
]);
const goto = variant(
  'goto',
  {
    title: string(LIMITS.goto.title),
    value: { type: 'string', pattern: UUID_V4_PATTERN, description: 'The id (a UUID v4) of the node to go to.' },
  },
  ['title', 'value'],
);
const url = variant('url', { title: string(LIMITS.url.title), value: string(LIMITS.url.value) }, ['title', 'value']);
const webview = variant(
  'webview',
  {
    title: string(LIMITS.webview.title),
    value: string(LIMITS.webview.value),
    height: { type: 'string', enum: [...WEBVIEW_HEIGHTS], default: DEFAULT_WEBVIEW_HEIGHT },
  },
  ['title', 'value'],
);
const phone = variant(
  'phone',
  { title: string(LIMITS.phone.title), value: string(LIMITS.phone.value, { pattern: PHONE_PATTERN }) },
  ['title', 'value'],
);

const quickReplyButton: SchemaObject = { oneOf: [postback, goto] };
const anyButton: SchemaObject = { oneOf: [postback, goto, url, webview, phone] };

const cardElement: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  required: ['title', 'subtitle', 'imageUrl', 'buttons'],
  properties: {
    title: string(LIMITS.cards.title),
    subtitle: string(LIMITS.cards.subtitle),
    imageUrl: httpUrl(LIMITS.cards.imageUrl),
    buttons: array(anyButton, LIMITS.cards.buttons),
  },
};

const response: SchemaObject = {
  oneOf: [
    variant('text', { delay, message: string(LIMITS.text.message) }, ['message']),
    variant('randomText', { delay, messages: array(string(LIMITS.randomText.message), LIMITS.randomText.messages) }, [
      'messages',
    ]),
    variant('image', { delay, imageUrl: httpUrl(LIMITS.image.imageUrl) }, ['imageUrl']),
    variant(
      'quickReplies',
      {
        delay,
        title: string(LIMITS.quickReplies.title),
        buttons: array(quickReplyButton, LIMITS.quickReplies.buttons),
      },
      ['title', 'buttons'],
    ),
    variant('cards', { delay, elements: array(cardElement, LIMITS.cards.elements) }, ['elements']),
    variant(
      'buttons',
      { delay, title: string(LIMITS.buttons.title), buttons: array(anyButton, LIMITS.buttons.buttons) },
      ['title', 'buttons'],
    ),
  ],
};

const attributeValue: SchemaObject = {
  anyOf: [string(LIMITS.attributes.stringValue, { nullable: true }), { type: 'number' }, { type: 'boolean' }],
};

const attributes: SchemaObject = {
  type: 'object',
  description:
    `Flat: names of ${LIMITS.attributes.key.min} to ${LIMITS.attributes.key.max} characters ` +
    `(not ${RESERVED_ATTRIBUTE_KEYS.join(', ')}); values are strings, numbers, booleans or null.`,
  additionalProperties: attributeValue,
};

/** The reply a chatbot backend answers with; embeddable as-is in an OpenAPI 3.0 document. */
export const replySchema: SchemaObject = {
  type: 'object',
  title: 'BotReply',
  additionalProperties: false,
  properties: {
    responses: { type: 'array', maxItems: LIMITS.responses.max, items: response },
    attributes,
  },
};

/** `replySchema` plus the attribute-name rule, in draft-07 as ajv's default build expects. */
export const replyAjvSchema: Record<string, unknown> = {
  ...replySchema,
  properties: {
    ...replySchema.properties,
    attributes: {
      ...attributes,
      propertyNames: {
        minLength: LIMITS.attributes.key.min,
        maxLength: LIMITS.attributes.key.max,
        not: { enum: [...RESERVED_ATTRIBUTE_KEYS] },
      },
    },
  },
};
