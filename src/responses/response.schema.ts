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
 * It stays inside the keywords OpenAPI 3.0 knows, because @nestjs/swagger emits 3.0: no `$schema`, one
 * build inline for ajv and one as `$ref`ed components with discriminators for the document, single-value `enum` instead of `const` for the `type` discriminators, `nullable`
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

/** Named schemas are inlined for ajv and become `$ref`ed components, with a discriminator, in the document. */
interface Linker {
  named(name: string, schema: SchemaObject): SchemaObject;
  union(variants: Record<string, SchemaObject>): SchemaObject;
}

function buildReply({ named, union }: Linker): SchemaObject {
  const postback = named('PostbackButton', variant('postback', { title: string(LIMITS.postback.title), value: string(LIMITS.postback.value) }, ['title', 'value']));
  const goto = named(
    'GotoButton',
    variant(
      'goto',
      {
        title: string(LIMITS.goto.title),
        value: { type: 'string', pattern: UUID_V4_PATTERN, description: 'The id (a UUID v4) of the node to go to.' },
      },
      ['title', 'value'],
    ),
  );
  const url = named('UrlButton', variant('url', { title: string(LIMITS.url.title), value: string(LIMITS.url.value) }, ['title', 'value']));
  const webview = named(
    'WebviewButton',
    variant(
      'webview',
      {
        title: string(LIMITS.webview.title),
        value: string(LIMITS.webview.value),
        height: { type: 'string', enum: [...WEBVIEW_HEIGHTS], default: DEFAULT_WEBVIEW_HEIGHT },
      },
      ['title', 'value'],
    ),
  );
  const phone = named(
    'PhoneButton',
    variant('phone', { title: string(LIMITS.phone.title), value: string(LIMITS.phone.value, { pattern: PHONE_PATTERN }) }, ['title', 'value']),
  );

  const quickReplyButton = union({ postback, goto });
  const anyButton = named('Button', union({ postback, goto, url, webview, phone }));

  const cardElement = named('CardElement', {
    type: 'object',
    additionalProperties: false,
    required: ['title', 'subtitle', 'imageUrl', 'buttons'],
    properties: {
      title: string(LIMITS.cards.title),
      subtitle: string(LIMITS.cards.subtitle),
      imageUrl: httpUrl(LIMITS.cards.imageUrl),
      buttons: array(anyButton, LIMITS.cards.buttons),
    },
  });

  const response = named(
    'BotResponse',
    union({
      text: named('TextResponse', variant('text', { delay, message: string(LIMITS.text.message) }, ['message'])),
      randomText: named(
        'RandomTextResponse',
        variant('randomText', { delay, messages: array(string(LIMITS.randomText.message), LIMITS.randomText.messages) }, ['messages']),
      ),
      image: named('ImageResponse', variant('image', { delay, imageUrl: httpUrl(LIMITS.image.imageUrl) }, ['imageUrl'])),
      quickReplies: named(
        'QuickRepliesResponse',
        variant('quickReplies', { delay, title: string(LIMITS.quickReplies.title), buttons: array(quickReplyButton, LIMITS.quickReplies.buttons) }, [
          'title',
          'buttons',
        ]),
      ),
      cards: named('CardsResponse', variant('cards', { delay, elements: array(cardElement, LIMITS.cards.elements) }, ['elements'])),
      buttons: named(
        'ButtonsResponse',
        variant('buttons', { delay, title: string(LIMITS.buttons.title), buttons: array(anyButton, LIMITS.buttons.buttons) }, ['title', 'buttons']),
      ),
    }),
  );

  return named('BotReply', {
    type: 'object',
    additionalProperties: false,
    properties: {
      responses: { type: 'array', maxItems: LIMITS.responses.max, items: response },
      attributes: named('BotAttributes', attributes),
    },
  });
}

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

/** The reply a chatbot backend answers with, every part inline. */
export const replySchema: SchemaObject = buildReply({
  named: (name, schema) => ({ title: name, ...schema }),
  union: (variants) => ({ oneOf: Object.values(variants) }),
});

/** The same reply as OpenAPI 3.0 components (`BotReply` and its parts), unions discriminated by `type`. */
export const replyComponents: Record<string, SchemaObject> = {};
const ref = (schema: SchemaObject): string => (schema as { $ref: string }).$ref;
buildReply({
  named(name, schema) {
    replyComponents[name] = schema;
    return { $ref: `#/components/schemas/${name}` } as SchemaObject;
  },
  union: (variants) => ({
    oneOf: Object.values(variants),
    discriminator: { propertyName: 'type', mapping: Object.fromEntries(Object.entries(variants).map(([type, schema]) => [type, ref(schema)])) },
  }),
});

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
