/**
 * The bounds and patterns of contract §5, in one place: the hand-written validator and the JSON Schema
 * (ajv cross-check and OpenAPI document) both read them, so the two cannot drift apart on a number.
 *
 * Lengths are Unicode code points ("characters" as a chatbot.com user counts them, and what JSON Schema's
 * minLength/maxLength mean): an emoji is one character, not two UTF-16 units.
 */

export const RESPONSE_TYPES = ['text', 'randomText', 'image', 'quickReplies', 'cards', 'buttons'] as const;
export type ResponseType = (typeof RESPONSE_TYPES)[number];

export const BUTTON_TYPES = ['postback', 'goto', 'url', 'webview', 'phone'] as const;
export type ButtonType = (typeof BUTTON_TYPES)[number];

export const QUICK_REPLY_BUTTON_TYPES = ['postback', 'goto'] as const;

export const WEBVIEW_HEIGHTS = ['full', 'tall', 'compact'] as const;
export type WebviewHeight = (typeof WEBVIEW_HEIGHTS)[number];

export interface Range {
  readonly min: number;
  readonly max: number;
}

export const LIMITS = {
  responses: { min: 0, max: 99 },
  delay: { min: 100, max: 10000 },
  text: { message: { min: 1, max: 1024 } },
  randomText: { messages: { min: 1, max: 20 }, message: { min: 1, max: 1024 } },
  image: { imageUrl: { min: 1, max: 2048 } },
  quickReplies: { title: { min: 1, max: 640 }, buttons: { min: 1, max: 13 } },
  cards: {
    elements: { min: 1, max: 10 },
    title: { min: 1, max: 80 },
    subtitle: { min: 1, max: 80 },
    imageUrl: { min: 1, max: 2048 },
    buttons: { min: 1, max: 5 },
  },
  buttons: { title: { min: 1, max: 640 }, buttons: { min: 1, max: 5 } },
  postback: { title: { min: 1, max: 20 }, value: { min: 1, max: 2000 } },
  goto: { title: { min: 1, max: 20 } },
  url: { title: { min: 0, max: 20 }, value: { min: 0, max: 2048 } },
  webview: { title: { min: 1, max: 20 }, value: { min: 1, max: 2048 } },
  phone: { title: { min: 1, max: 20 }, value: { min: 3, max: 16 } },
  attributes: { key: { min: 1, max: 128 }, stringValue: { min: 0, max: 1024 } },
} as const;

/** How many violations an answer lists (§5); its message says how many there were in all. */
export const MAX_LISTED_VIOLATIONS = 100;

export const DEFAULT_DELAY = 1000;
export const DEFAULT_WEBVIEW_HEIGHT: WebviewHeight = 'compact';

/*
 * Patterns are ECMAScript source compiled with the `u` flag (as ajv does), so `\d` is ASCII digits only and
 * `$` never matches before a trailing newline.
 */

/** Version nibble 4 and RFC 4122 variant (8, 9, a, b); either case, as RFC 4122 allows. */
export const UUID_V4_PATTERN =
  '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-4[0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$';

export const PHONE_PATTERN = '^\\+\\d{2,}$';

/**
 * An absolute http or https URL with a host and no whitespace or control characters. A pattern rather than
 * a WHATWG parse so that the JSON Schema can state exactly the same rule: the URL is shown to chat users,
 * not fetched by bothooks, so what matters is that it cannot be `javascript:` or `data:`.
 */
export const HTTP_URL_PATTERN =
  '^[Hh][Tt][Tt][Pp][Ss]?://[^\\s\\u0000-\\u001F\\u007F/?#]+(?:[/?#][^\\s\\u0000-\\u001F\\u007F]*)?$';

/**
 * `__proto__` as an attribute name is refused: the value would be copied into objects by whoever consumes
 * the attributes, and an assignment to `__proto__` replaces a prototype instead of adding a key.
 */
export const RESERVED_ATTRIBUTE_KEYS = ['__proto__'] as const;
