import Ajv from 'ajv';
import { memberPath } from './flat-attributes';
import { ResponseValidator, validateReply, violationCount } from './response-validator';
import { replyAjvSchema } from './response.schema';

/*
 * The numbers below are restated from contract §5 on purpose instead of imported from response.rules.ts:
 * a wrong constant there must fail here. Every verdict is also asked of the ajv-compiled JSON Schema, so the
 * schema shown in /docs cannot quietly disagree with what the endpoint enforces.
 */

const ajvValidate = new Ajv({ allErrors: true }).compile(replyAjvSchema);

type Json = Record<string, unknown>;

function expectVerdict(reply: unknown, valid: boolean, paths?: string[]): void {
  const result = validateReply(reply);
  const errorPaths = result.valid ? [] : result.errors.map((e) => e.path);
  expect({ valid: result.valid, errorPaths }).toEqual({
    valid,
    errorPaths: valid ? [] : (paths ?? expect.any(Array)),
  });
  expect(ajvValidate(reply)).toBe(valid);
}

const UUID_V4 = '3f2b8a4c-1d2e-4f5a-9b6c-7d8e9f0a1b2c';

const button = {
  postback: (): Json => ({ type: 'postback', title: 'Yes', value: 'yes' }),
  goto: (): Json => ({ type: 'goto', title: 'Next', value: UUID_V4 }),
  url: (): Json => ({ type: 'url', title: 'Site', value: 'https://example.com' }),
  webview: (): Json => ({ type: 'webview', title: 'Open', value: 'https://example.com/app', height: 'tall' }),
  phone: (): Json => ({ type: 'phone', title: 'Call', value: '+15550100' }),
};
type ButtonType = keyof typeof button;
const BUTTON_TYPES = Object.keys(button) as ButtonType[];

const element = (over: Json = {}): Json => ({
  title: 'Card',
  subtitle: 'Subtitle',
  imageUrl: 'https://example.com/a.png',
  buttons: [button.postback()],
  ...over,
});

const response = {
  text: (): Json => ({ type: 'text', message: 'Hello' }),
  randomText: (): Json => ({ type: 'randomText', messages: ['Hi', 'Hey'] }),
  image: (): Json => ({ type: 'image', imageUrl: 'https://example.com/a.png' }),
  quickReplies: (): Json => ({ type: 'quickReplies', title: 'Pick one', buttons: [button.postback(), button.goto()] }),
  cards: (): Json => ({ type: 'cards', elements: [element()] }),
  buttons: (): Json => ({ type: 'buttons', title: 'Choose', buttons: [button.url(), button.phone()] }),
};
type ResponseType = keyof typeof response;
const RESPONSE_TYPES = Object.keys(response) as ResponseType[];

/** The response under test sits second, so paths prove the index is right. */
const reply = (item: unknown): Json => ({ responses: [response.text(), item] });

interface Container {
  name: string;
  allows: ButtonType[];
  wrap: (buttonValue: unknown) => Json;
  path: string;
}

const containers: Container[] = [
  {
    name: 'quickReplies',
    allows: ['postback', 'goto'],
    wrap: (b) => reply({ type: 'quickReplies', title: 'Pick', buttons: [b] }),
    path: 'responses[1].buttons[0]',
  },
  {
    name: 'cards',
    allows: ['postback', 'goto', 'url', 'webview', 'phone'],
    wrap: (b) => reply({ type: 'cards', elements: [element({ buttons: [b] })] }),
    path: 'responses[1].elements[0].buttons[0]',
  },
  {
    name: 'buttons',
    allows: ['postback', 'goto', 'url', 'webview', 'phone'],
    wrap: (b) => reply({ type: 'buttons', title: 'Choose', buttons: [b] }),
    path: 'responses[1].buttons[0]',
  },
];

interface Range {
  min: number;
  max: number;
}

/** min-1 (when it exists), min, max and max+1, with the verdict each must get. */
function edges({ min, max }: Range): [number, boolean][] {
  const cases: [number, boolean][] = [];
  if (min > 0) cases.push([min - 1, false]);
  cases.push([min, true], [max, true], [max + 1, false]);
  return cases;
}

interface StringField {
  name: string;
  range: Range;
  path: string;
  build: (value: string) => Json;
  /** A string of n characters that is otherwise acceptable for the field. */
  make?: (n: number) => string;
}

const plain = (n: number): string => 'x'.repeat(n);
const phoneOf = (n: number): string => (n === 0 ? '' : '+' + '1'.repeat(n - 1));

const stringFields: StringField[] = [
  { name: 'text.message', range: { min: 1, max: 1024 }, path: 'responses[1].message', build: (s) => reply({ type: 'text', message: s }) },
  {
    name: 'randomText.messages[]',
    range: { min: 1, max: 1024 },
    path: 'responses[1].messages[1]',
    build: (s) => reply({ type: 'randomText', messages: ['a', s] }),
  },
  {
    name: 'quickReplies.title',
    range: { min: 1, max: 640 },
    path: 'responses[1].title',
    build: (s) => reply({ ...response.quickReplies(), title: s }),
  },
  {
    name: 'buttons.title',
    range: { min: 1, max: 640 },
    path: 'responses[1].title',
    build: (s) => reply({ ...response.buttons(), title: s }),
  },
  {
    name: 'cards.elements[].title',
    range: { min: 1, max: 80 },
    path: 'responses[1].elements[0].title',
    build: (s) => reply({ type: 'cards', elements: [element({ title: s })] }),
  },
  {
    name: 'cards.elements[].subtitle',
    range: { min: 1, max: 80 },
    path: 'responses[1].elements[0].subtitle',
    build: (s) => reply({ type: 'cards', elements: [element({ subtitle: s })] }),
  },
];

const buttonStringRules: { type: ButtonType; field: string; range: Range; make?: (n: number) => string }[] = [
  { type: 'postback', field: 'title', range: { min: 1, max: 20 } },
  { type: 'postback', field: 'value', range: { min: 1, max: 2000 } },
  { type: 'goto', field: 'title', range: { min: 1, max: 20 } },
  { type: 'url', field: 'title', range: { min: 0, max: 20 } },
  { type: 'url', field: 'value', range: { min: 0, max: 2048 } },
  { type: 'webview', field: 'title', range: { min: 1, max: 20 } },
  { type: 'webview', field: 'value', range: { min: 1, max: 2048 } },
  { type: 'phone', field: 'title', range: { min: 1, max: 20 } },
  { type: 'phone', field: 'value', range: { min: 3, max: 16 }, make: phoneOf },
];

for (const rule of buttonStringRules) {
  for (const where of containers.filter((c) => c.allows.includes(rule.type))) {
    stringFields.push({
      name: `${where.name} > ${rule.type}.${rule.field}`,
      range: rule.range,
      path: `${where.path}.${rule.field}`,
      build: (s) => where.wrap({ ...button[rule.type](), [rule.field]: s }),
      make: rule.make,
    });
  }
}

describe('validateReply', () => {
  describe('string bounds (counted in characters)', () => {
    const cases = stringFields.flatMap((field) =>
      edges(field.range).map(([n, valid]) => ({ ...field, n, valid })),
    );
    it.each(cases)('$name with $n characters: valid=$valid', ({ build, make, n, valid, path }) => {
      expectVerdict(build((make ?? plain)(n)), valid, [path]);
    });

    const emojiCases = stringFields
      .filter((field) => !field.make)
      .flatMap((field) => [
        { ...field, n: field.range.max, valid: true },
        { ...field, n: field.range.max + 1, valid: false },
      ]);
    it.each(emojiCases)('$name with $n emoji: valid=$valid', ({ build, n, valid, path }) => {
      expectVerdict(build('😀'.repeat(n)), valid, [path]);
    });

    it.each(stringFields)('$name must be a string', ({ build, path }) => {
      expectVerdict(build(42 as unknown as string), false, [path]);
    });
  });

  describe('image URLs (1..2048, http or https)', () => {
    const urlOf = (n: number): string => 'https://e.co/' + 'a'.repeat(n - 'https://e.co/'.length);
    const urlFields = [
      {
        name: 'image.imageUrl',
        path: 'responses[1].imageUrl',
        build: (s: string) => reply({ type: 'image', imageUrl: s }),
      },
      {
        name: 'cards.elements[].imageUrl',
        path: 'responses[1].elements[0].imageUrl',
        build: (s: string) => reply({ type: 'cards', elements: [element({ imageUrl: s })] }),
      },
    ];
    const lengthCases = urlFields.flatMap((field) => [
      { ...field, value: '', valid: false },
      { ...field, value: 'http://a', valid: true },
      { ...field, value: urlOf(2048), valid: true },
      { ...field, value: urlOf(2049), valid: false },
    ]);
    it.each(lengthCases)('$name = $value.length characters: valid=$valid', ({ build, value, valid, path }) => {
      expectVerdict(build(value), valid, [path]);
    });

    const shapes: [string, boolean][] = [
      ['http://example.com', true],
      ['https://example.com/a.png?size=2#top', true],
      ['HTTPS://EXAMPLE.COM/A.PNG', true],
      ['https://user:pw@example.com:8443/a', true],
      ['https://例え.jp/画像.png', true],
      ['ftp://example.com/a.png', false],
      ['javascript:alert(1)', false],
      ['data:image/png;base64,AAAA', false],
      ['//example.com/a.png', false],
      ['/a.png', false],
      ['https://', false],
      ['https:///a.png', false],
      ['https://exa mple.com', false],
      ['https://example.com/a b.png', false],
      [' https://example.com', false],
      ['https://example.com\n', false],
      ['https://example.com/\u0000', false],
    ];
    const shapeCases = urlFields.flatMap((field) => shapes.map(([value, valid]) => ({ ...field, value, valid })));
    it.each(shapeCases)('$name = $value: valid=$valid', ({ build, value, valid, path }) => {
      expectVerdict(build(value), valid, [path]);
    });
  });

  describe('array bounds', () => {
    const arrayFields = [
      {
        name: 'randomText.messages',
        range: { min: 1, max: 20 },
        path: 'responses[1].messages',
        build: (n: number) => reply({ type: 'randomText', messages: Array.from({ length: n }, () => 'm') }),
      },
      {
        name: 'quickReplies.buttons',
        range: { min: 1, max: 13 },
        path: 'responses[1].buttons',
        build: (n: number) =>
          reply({ type: 'quickReplies', title: 'q', buttons: Array.from({ length: n }, button.postback) }),
      },
      {
        name: 'cards.elements',
        range: { min: 1, max: 10 },
        path: 'responses[1].elements',
        build: (n: number) => reply({ type: 'cards', elements: Array.from({ length: n }, () => element()) }),
      },
      {
        name: 'cards.elements[].buttons',
        range: { min: 1, max: 5 },
        path: 'responses[1].elements[0].buttons',
        build: (n: number) =>
          reply({ type: 'cards', elements: [element({ buttons: Array.from({ length: n }, button.url) })] }),
      },
      {
        name: 'buttons.buttons',
        range: { min: 1, max: 5 },
        path: 'responses[1].buttons',
        build: (n: number) => reply({ type: 'buttons', title: 'b', buttons: Array.from({ length: n }, button.webview) }),
      },
      {
        name: 'responses',
        range: { min: 0, max: 99 },
        path: 'responses',
        build: (n: number) => ({ responses: Array.from({ length: n }, response.text) }),
      },
    ];
    const cases = arrayFields.flatMap((field) => edges(field.range).map(([n, valid]) => ({ ...field, n, valid })));
    it.each(cases)('$name with $n items: valid=$valid', ({ build, n, valid, path }) => {
      expectVerdict(build(n), valid, [path]);
    });

    it.each(arrayFields)('$name must be an array', ({ build, path }) => {
      const wrong = build(1);
      const target = path === 'responses' ? wrong : locate(wrong, path);
      const key = path.split('.').pop() as string;
      (target as Json)[key] = { 0: 'not', length: 1 };
      expectVerdict(wrong, false, [path]);
    });

    it('judges every item of a too-long responses list', () => {
      const result = validateReply({ responses: Array.from({ length: 100 }, () => ({ type: 'text', message: '' })) });
      expect(result.valid).toBe(false);
      if (result.valid) return;
      expect(result.total).toBe(101);
      expect(result.errors).toHaveLength(100);
      expect(result.errors[0]).toEqual({ path: 'responses', message: 'must have at most 99 items' });
      expect(result.errors[99].path).toBe('responses[98].message');
    });
  });

  describe('delay (integer 100..10000, default 1000)', () => {
    const values: [unknown, boolean][] = [
      [99, false],
      [100, true],
      [10000, true],
      [10001, false],
      [1000.5, false],
      [-1000, false],
      ['1000', false],
      [null, false],
      [true, false],
    ];
    const cases = RESPONSE_TYPES.flatMap((type) => values.map(([delay, valid]) => ({ type, delay, valid })));
    it.each(cases)('$type with delay $delay: valid=$valid', ({ type, delay, valid }) => {
      expectVerdict(reply({ ...response[type](), delay }), valid, ['responses[1].delay']);
    });
  });

  describe('response types', () => {
    it.each(RESPONSE_TYPES)('accepts %s', (type) => {
      expectVerdict(reply(response[type]()), true);
    });

    it.each<[unknown, string]>([
      ['video', 'unknown type'],
      ['Text', 'wrong case'],
      ['', 'empty'],
      [7, 'not a string'],
      [null, 'null'],
    ])('refuses type %p (%s)', (type) => {
      expectVerdict(reply({ type, message: 'x' }), false, ['responses[1].type']);
    });

    it('requires a type', () => {
      expectVerdict(reply({ message: 'x' }), false, ['responses[1].type']);
      const result = validateReply(reply({ message: 'x' }));
      expect(!result.valid && result.errors[0].message).toBe('is required');
    });

    it.each(RESPONSE_TYPES)('%s refuses an unknown field', (type) => {
      expectVerdict(reply({ ...response[type](), extra: 1 }), false, ['responses[1].extra']);
    });

    it.each(RESPONSE_TYPES)("%s refuses another type's field", (type) => {
      const foreign = type === 'image' ? { message: 'x' } : { imageUrl: 'https://example.com/a.png' };
      const path = type === 'image' ? 'responses[1].message' : 'responses[1].imageUrl';
      expectVerdict(reply({ ...response[type](), ...foreign }), false, [path]);
    });

    const required: [ResponseType, string][] = [
      ['text', 'message'],
      ['randomText', 'messages'],
      ['image', 'imageUrl'],
      ['quickReplies', 'title'],
      ['quickReplies', 'buttons'],
      ['cards', 'elements'],
      ['buttons', 'title'],
      ['buttons', 'buttons'],
    ];
    it.each(required)('%s requires %s', (type, field) => {
      const item = response[type]();
      delete item[field];
      expectVerdict(reply(item), false, [`responses[1].${field}`]);
    });

    it.each([['title'], ['subtitle'], ['imageUrl'], ['buttons']])('card elements require %s', (field) => {
      const item = element();
      delete item[field];
      expectVerdict(reply({ type: 'cards', elements: [item] }), false, [`responses[1].elements[0].${field}`]);
    });

    it('card elements refuse unknown fields, including a type', () => {
      expectVerdict(reply({ type: 'cards', elements: [element({ type: 'card' })] }), false, [
        'responses[1].elements[0].type',
      ]);
    });

    it.each([[null], ['text'], [[]], [1]])('a response that is %p is a violation', (item) => {
      expectVerdict(reply(item), false, ['responses[1]']);
    });

    it.each([[null], ['cards'], [[element()]]])('a card element that is %p is a violation', (item) => {
      expectVerdict(reply({ type: 'cards', elements: [item] }), false, ['responses[1].elements[0]']);
    });
  });

  describe('buttons in containers', () => {
    const cases = containers.flatMap((where) =>
      BUTTON_TYPES.map((type) => ({ where: where.name, type, wrap: where.wrap, path: where.path, valid: where.allows.includes(type) })),
    );
    it.each(cases)('$type button in $where: valid=$valid', ({ type, wrap, path, valid }) => {
      expectVerdict(wrap(button[type]()), valid, [`${path}.type`]);
    });

    it('names the offending button type and what is allowed', () => {
      const result = validateReply(containers[0].wrap(button.url()));
      expect(result).toEqual({
        valid: false,
        total: 1,
        errors: [
          {
            path: 'responses[1].buttons[0].type',
            message: 'url buttons are not allowed in quickReplies; must be one of: postback, goto',
          },
        ],
      });
    });

    const badTypes = containers.flatMap((where) =>
      [undefined, 'link', 'POSTBACK', 3, null].map((type) => ({ where: where.name, type, wrap: where.wrap, path: where.path })),
    );
    it.each(badTypes)('button type $type in $where is a violation', ({ type, wrap, path }) => {
      const b = { ...button.postback(), type };
      if (type === undefined) delete b.type;
      expectVerdict(wrap(b), false, [`${path}.type`]);
    });

    const fieldCases = containers.flatMap((where) =>
      where.allows.flatMap((type) =>
        ['title', 'value'].map((field) => ({ where: where.name, type, field, wrap: where.wrap, path: where.path })),
      ),
    );
    it.each(fieldCases)('$where > $type requires $field', ({ type, field, wrap, path }) => {
      const b = button[type]();
      delete b[field];
      expectVerdict(wrap(b), false, [`${path}.${field}`]);
    });

    const unknownCases = containers.flatMap((where) =>
      where.allows.map((type) => ({ where: where.name, type, wrap: where.wrap, path: where.path })),
    );
    it.each(unknownCases)('$where > $type refuses unknown fields', ({ type, wrap, path }) => {
      expectVerdict(wrap({ ...button[type](), payload: 'x' }), false, [`${path}.payload`]);
    });

    it.each(['postback', 'goto', 'url', 'phone'] as ButtonType[])('only webview buttons take a height (%s)', (type) => {
      expectVerdict(containers[2].wrap({ ...button[type](), height: 'full' }), false, ['responses[1].buttons[0].height']);
    });

    it.each([
      ['full', true],
      ['tall', true],
      ['compact', true],
      ['Full', false],
      ['', false],
      [null, false],
      [1, false],
    ])('webview height %p: valid=%p', (height, valid) => {
      expectVerdict(containers[1].wrap({ ...button.webview(), height }), valid, [
        'responses[1].elements[0].buttons[0].height',
      ]);
    });
  });

  describe('goto values are UUID v4 only', () => {
    const values: [string, unknown, boolean][] = [
      ['v4', '3f2b8a4c-1d2e-4f5a-9b6c-7d8e9f0a1b2c', true],
      ['v4 upper case', '3F2B8A4C-1D2E-4F5A-BB6C-7D8E9F0A1B2C', true],
      ['v4 variant 8', '3f2b8a4c-1d2e-4f5a-8b6c-7d8e9f0a1b2c', true],
      ['v4 variant a', '3f2b8a4c-1d2e-4f5a-ab6c-7d8e9f0a1b2c', true],
      ['v1', 'c232ab00-9414-11ec-b3c8-9e6bdeced846', false],
      ['v3', '5df41881-3aed-3515-88a7-2f4a814cf09e', false],
      ['v5', '2ed6657d-e927-568b-95e1-2665a8aea6a2', false],
      ['v7', '017f22e2-79b0-7cc3-98c4-dc0c0c07398f', false],
      ['nil', '00000000-0000-0000-0000-000000000000', false],
      ['variant c', '3f2b8a4c-1d2e-4f5a-cb6c-7d8e9f0a1b2c', false],
      ['variant 7', '3f2b8a4c-1d2e-4f5a-7b6c-7d8e9f0a1b2c', false],
      ['no hyphens', '3f2b8a4c1d2e4f5a9b6c7d8e9f0a1b2c', false],
      ['braces', '{3f2b8a4c-1d2e-4f5a-9b6c-7d8e9f0a1b2c}', false],
      ['trailing newline', '3f2b8a4c-1d2e-4f5a-9b6c-7d8e9f0a1b2c\n', false],
      ['not hex', '3f2b8a4c-1d2e-4f5a-9b6c-7d8e9f0a1b2g', false],
      ['empty', '', false],
      ['number', 4, false],
    ];
    const cases = containers.flatMap((where) =>
      values.map(([name, value, valid]) => ({ where: where.name, name, value, valid, wrap: where.wrap, path: where.path })),
    );
    it.each(cases)('$name in $where: valid=$valid', ({ value, valid, wrap, path }) => {
      expectVerdict(wrap({ ...button.goto(), value }), valid, [`${path}.value`]);
    });
  });

  describe('phone values (^\\+\\d{2,}$, 3..16 characters)', () => {
    const values: [unknown, boolean][] = [
      ['+12', true],
      ['+15550100', true],
      ['+123456789012345', true],
      ['+1234567890123456', false],
      ['+1', false],
      ['+', false],
      ['15550100', false],
      ['++15550100', false],
      ['+1 555 0100', false],
      ['+1-555-0100', false],
      ['+1555abc', false],
      [' +15550100', false],
      ['+15550100 ', false],
      ['+15550100\n', false],
      ['+١٢٣', false],
      ['+１２３', false],
      [15550100, false],
    ];
    const cases = containers
      .filter((c) => c.allows.includes('phone'))
      .flatMap((where) => values.map(([value, valid]) => ({ where: where.name, value, valid, wrap: where.wrap, path: where.path })));
    it.each(cases)('$value in $where: valid=$valid', ({ value, valid, wrap, path }) => {
      expectVerdict(wrap({ ...button.phone(), value }), valid, [`${path}.value`]);
    });
  });

  describe('attributes (flat)', () => {
    const cases: [string, Json, boolean, string][] = [
      ['a string', { plan: 'pro' }, true, ''],
      ['an empty string', { plan: '' }, true, ''],
      ['a 1024-character string', { plan: 'x'.repeat(1024) }, true, ''],
      ['a 1024-emoji string', { plan: '😀'.repeat(1024) }, true, ''],
      ['a 1025-character string', { plan: 'x'.repeat(1025) }, false, 'attributes.plan'],
      ['a number', { score: 12.5 }, true, ''],
      ['a negative integer', { score: -3 }, true, ''],
      ['a boolean', { vip: false }, true, ''],
      ['null', { plan: null }, true, ''],
      ['an object', { plan: { tier: 'pro' } }, false, 'attributes.plan'],
      ['an array', { tags: ['a'] }, false, 'attributes.tags'],
      ['a 1-character name', { a: 1 }, true, ''],
      ['a 128-character name', { ['k'.repeat(128)]: 1 }, true, ''],
      ['a 128-emoji name', { ['😀'.repeat(128)]: 1 }, true, ''],
      ['an empty name', { '': 1 }, false, 'attributes[""]'],
      ['a 129-character name', { ['k'.repeat(129)]: 1 }, false, `attributes.${'k'.repeat(129)}`],
      ['a name with a space', { 'first name': 'Ann' }, true, ''],
      ['a constructor name', { constructor: 'x' }, true, ''],
    ];
    it.each(cases)('%s: valid=%p', (_name, attributes, valid, path) => {
      expectVerdict({ attributes }, valid, [path]);
    });

    it.each([[[]], ['x'], [1], [null]])('attributes that are %p is a violation', (attributes) => {
      expectVerdict({ attributes }, false, ['attributes']);
    });

    it('refuses non-finite numbers from callers that bypass JSON', () => {
      const result = validateReply({ attributes: { a: Number.NaN, b: Infinity } });
      expect(result).toEqual({
        valid: false,
        total: 2,
        errors: [
          { path: 'attributes.a', message: 'must be a finite number' },
          { path: 'attributes.b', message: 'must be a finite number' },
        ],
      });
    });
  });

  describe('normalizing', () => {
    it('fills delay and webview height and changes nothing else', () => {
      const input = {
        responses: [
          { type: 'text', message: 'Hi' },
          { type: 'text', message: 'Later', delay: 2500 },
          {
            type: 'buttons',
            title: 'Open',
            buttons: [
              { type: 'webview', title: 'A', value: 'https://a.example' },
              { type: 'webview', title: 'B', value: 'https://b.example', height: 'full' },
              { type: 'url', title: '', value: '' },
            ],
          },
        ],
        attributes: { plan: 'pro', n: 1, ok: true, none: null },
      };
      expect(validateReply(input)).toEqual({
        valid: true,
        normalized: {
          responses: [
            { type: 'text', message: 'Hi', delay: 1000 },
            { type: 'text', message: 'Later', delay: 2500 },
            {
              type: 'buttons',
              title: 'Open',
              delay: 1000,
              buttons: [
                { type: 'webview', title: 'A', value: 'https://a.example', height: 'compact' },
                { type: 'webview', title: 'B', value: 'https://b.example', height: 'full' },
                { type: 'url', title: '', value: '' },
              ],
            },
          ],
          attributes: { plan: 'pro', n: 1, ok: true, none: null },
        },
      });
    });

    it('gives [] and {} when responses and attributes are absent', () => {
      expect(validateReply({})).toEqual({ valid: true, normalized: { responses: [], attributes: {} } });
      expect(validateReply({ responses: [] })).toEqual({ valid: true, normalized: { responses: [], attributes: {} } });
    });

    it('never mutates or shares the input', () => {
      const input = deepFreeze({
        responses: [response.quickReplies(), response.cards(), response.randomText()],
        attributes: { a: 1 },
      });
      const before = JSON.stringify(input);
      const result = validateReply(input);
      expect(JSON.stringify(input)).toBe(before);
      if (!result.valid) throw new Error('expected a valid reply');
      const out = result.normalized;
      expect(out.attributes).not.toBe(input.attributes);
      expect(out.responses).not.toBe(input.responses);
      expect(out.responses[0]).not.toBe(input.responses[0]);
      const cards = out.responses[1];
      if (cards.type !== 'cards') throw new Error('expected cards');
      expect(cards.elements[0]).not.toBe((input.responses[1] as Json).elements);
      const random = out.responses[2];
      if (random.type !== 'randomText') throw new Error('expected randomText');
      expect(random.messages).not.toBe((input.responses[2] as Json).messages);
    });

    it('null responses or attributes are violations, not absent', () => {
      expectVerdict({ responses: null, attributes: null }, false, ['responses', 'attributes']);
    });
  });

  describe('several violations at once', () => {
    it('reports every one with its path, in reading order', () => {
      const input = {
        responses: [
          { type: 'text', message: '', delay: 50 },
          { type: 'quickReplies', title: 'q', buttons: [{ type: 'url', title: 'u', value: 'x' }, { type: 'goto', title: '', value: 'nope' }] },
          {
            type: 'cards',
            elements: [
              element(),
              element({ imageUrl: 'ftp://x', buttons: [button.postback(), { ...button.phone(), value: '555' }, { ...button.webview(), height: 'huge' }] }),
            ],
          },
          { type: 'gif', url: 'x' },
          { type: 'randomText', messages: [], bogus: true },
        ],
        attributes: { ok: 1, bad: {}, '': 'x' },
        extra: true,
      };
      const result = validateReply(input);
      expect(result.valid).toBe(false);
      if (result.valid) return;
      expect(result.errors.map((e) => e.path)).toEqual([
        'responses[0].message',
        'responses[0].delay',
        'responses[1].buttons[0].type',
        'responses[1].buttons[1].title',
        'responses[1].buttons[1].value',
        'responses[2].elements[1].imageUrl',
        'responses[2].elements[1].buttons[1].value',
        'responses[2].elements[1].buttons[2].height',
        'responses[3].type',
        'responses[4].messages',
        'responses[4].bogus',
        'attributes.bad',
        'attributes[""]',
        'extra',
      ]);
      expect(ajvValidate(input)).toBe(false);
    });
  });

  describe('non-object bodies', () => {
    it.each([[[]], [[{ responses: [] }]], ['{}'], [''], [null], [0], [true], [undefined]])('%p is one violation at the root', (body) => {
      expect(validateReply(body)).toEqual({
        valid: false,
        total: 1,
        errors: [{ path: '', message: 'must be a JSON object with responses and/or attributes' }],
      });
      expect(ajvValidate(body)).toBe(false);
    });

    it('unknown root fields are violations at their own name', () => {
      expectVerdict({ response: [] }, false, ['response']);
      expectVerdict({ 'responses ': [] }, false, ['["responses "]']);
    });
  });

  describe('__proto__ and friends', () => {
    const hostile: [string, string, string][] = [
      ['root', '{"__proto__": {"polluted": true}}', '__proto__'],
      ['root constructor', '{"constructor": {"prototype": {"polluted": true}}}', 'constructor'],
      ['response', `{"responses": [{"type": "text", "message": "m", "__proto__": {"polluted": true}}]}`, 'responses[0].__proto__'],
      [
        'card element',
        `{"responses": [{"type": "cards", "elements": [{"title": "t", "subtitle": "s", "imageUrl": "https://a.b", "buttons": [{"type": "postback", "title": "t", "value": "v"}], "__proto__": {"polluted": true}}]}]}`,
        'responses[0].elements[0].__proto__',
      ],
      [
        'button',
        `{"responses": [{"type": "buttons", "title": "t", "buttons": [{"type": "url", "title": "", "value": "", "__proto__": {"polluted": true}}]}]}`,
        'responses[0].buttons[0].__proto__',
      ],
      ['attribute name', '{"attributes": {"__proto__": {"polluted": true}}}', 'attributes.__proto__'],
      ['attribute name with a scalar', '{"attributes": {"__proto__": "x", "ok": 1}}', 'attributes.__proto__'],
    ];
    it.each(hostile)('%s: a violation, and nothing is polluted', (_where, json, path) => {
      expectVerdict(JSON.parse(json), false, [path]);
      expect(({} as Json).polluted).toBeUndefined();
      expect(Object.prototype).not.toHaveProperty('polluted');
    });

    it('an inherited type or field is not read', () => {
      // ajv reads inherited properties unless told otherwise, so this one is ours alone: JSON never does it.
      const item = Object.create({ type: 'text', message: 'inherited' }) as Json;
      const result = validateReply(reply(item));
      expect(result.valid ? [] : result.errors.map((e) => e.path)).toEqual(['responses[1].type']);
    });

    it('a constructor attribute is an ordinary own key of a plain result object', () => {
      const result = validateReply(JSON.parse('{"attributes": {"constructor": "c", "toString": "t"}}'));
      if (!result.valid) throw new Error('expected a valid reply');
      expect(Object.getPrototypeOf(result.normalized.attributes)).toBe(Object.prototype);
      expect(Object.keys(result.normalized.attributes)).toEqual(['constructor', 'toString']);
      expect(JSON.stringify(result.normalized.attributes)).toBe('{"constructor":"c","toString":"t"}');
    });
  });

  describe('deep nesting', () => {
    const depth = 100_000;
    const nested = '['.repeat(depth) + ']'.repeat(depth);
    const places: [string, string, string][] = [
      ['an attribute value', `{"attributes": {"a": ${nested}}}`, 'attributes.a'],
      ['an unknown root field', `{"deep": ${nested}}`, 'deep'],
      ['an unknown response field', `{"responses": [{"type": "text", "message": "m", "deep": ${nested}}]}`, 'responses[0].deep'],
      ['a message', `{"responses": [{"type": "randomText", "messages": [${nested}]}]}`, 'responses[0].messages[0]'],
      ['a button', `{"responses": [{"type": "buttons", "title": "t", "buttons": [${nested}]}]}`, 'responses[0].buttons[0]'],
      ['a response type', `{"responses": [{"type": ${nested}}]}`, 'responses[0].type'],
    ];
    it.each(places)('%s nested 100000 deep is one violation, not a stack overflow', (_where, json, path) => {
      const body = JSON.parse(json);
      const result = validateReply(body);
      expect(result.valid ? [] : result.errors.map((e) => e.path)).toEqual([path]);
      expect(ajvValidate(body)).toBe(false);
    });
  });

  describe('memberPath', () => {
    it.each([
      ['', 'responses', 'responses'],
      ['attributes', 'plan', 'attributes.plan'],
      ['attributes', '$id_2', 'attributes.$id_2'],
      ['attributes', 'a b', 'attributes["a b"]'],
      ['attributes', '2fa', 'attributes["2fa"]'],
      ['attributes', 'say "hi"', 'attributes["say \\"hi\\""]'],
      ['attributes', 'é', 'attributes["é"]'],
      ['', 'a-b', '["a-b"]'],
    ])('%p + %p is %p', (base, key, expected) => {
      expect(memberPath(base, key)).toBe(expected);
    });
  });
});

/** Walks a path such as `responses[1].elements[0]` to the object that holds its last segment. */
function locate(root: Json, path: string): unknown {
  const segments = path.split('.').slice(0, -1);
  let node: unknown = root;
  for (const segment of segments) {
    const match = /^(\w+)(?:\[(\d+)\])?$/.exec(segment);
    if (!match) throw new Error(`bad path ${path}`);
    node = (node as Json)[match[1]];
    if (match[2] !== undefined) node = (node as unknown[])[Number(match[2])];
  }
  return node;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const key of Object.keys(value)) deepFreeze((value as Json)[key]);
    Object.freeze(value);
  }
  return value;
}

describe('what a reply is told', () => {
  const errorsOf = (input: unknown) => {
    const result = validateReply(input);
    return result.valid ? [] : result.errors;
  };

  it('normalizes a reply of every response and button type to what it was sent, the delays filled in', () => {
    const input = {
      responses: [
        response.randomText(),
        response.image(),
        response.quickReplies(),
        response.cards(),
        { type: 'buttons', title: 'Choose', buttons: [button.url(), button.phone(), button.webview()] },
      ],
    };
    expect(validateReply(input)).toEqual({
      valid: true,
      normalized: {
        responses: [
          { type: 'randomText', messages: ['Hi', 'Hey'], delay: 1000 },
          { type: 'image', imageUrl: 'https://example.com/a.png', delay: 1000 },
          {
            type: 'quickReplies',
            title: 'Pick one',
            buttons: [
              { type: 'postback', title: 'Yes', value: 'yes' },
              { type: 'goto', title: 'Next', value: UUID_V4 },
            ],
            delay: 1000,
          },
          {
            type: 'cards',
            elements: [{ title: 'Card', subtitle: 'Subtitle', imageUrl: 'https://example.com/a.png', buttons: [{ type: 'postback', title: 'Yes', value: 'yes' }] }],
            delay: 1000,
          },
          {
            type: 'buttons',
            title: 'Choose',
            buttons: [
              { type: 'url', title: 'Site', value: 'https://example.com' },
              { type: 'phone', title: 'Call', value: '+15550100' },
              { type: 'webview', title: 'Open', value: 'https://example.com/app', height: 'tall' },
            ],
            delay: 1000,
          },
        ],
        attributes: {},
      },
    });
  });

  it('names each broken rule of the responses with its message', () => {
    expect(errorsOf({ responses: 'hello' })).toEqual([{ path: 'responses', message: 'must be an array' }]);
    expect(
      errorsOf({
        responses: [
          'hello',
          { type: 'video', delay: 5 },
          { type: 'text', message: 'x'.repeat(1025) },
          { type: 'text', message: 7 },
          { type: 'image', imageUrl: 'ftp://example.com/a.png' },
          { type: 'randomText' },
          { type: 'randomText', messages: 'Hi' },
          { type: 'randomText', messages: [] },
          { type: 'text', message: 'Hi', colour: 'red' },
          { type: 'cards', elements: ['card'] },
        ],
      }),
    ).toEqual([
      { path: 'responses[0]', message: 'must be an object' },
      { path: 'responses[1].type', message: 'must be one of: text, randomText, image, quickReplies, cards, buttons' },
      { path: 'responses[1].delay', message: 'must be an integer from 100 to 10000' },
      { path: 'responses[2].message', message: 'must be 1 to 1024 characters' },
      { path: 'responses[3].message', message: 'must be a string' },
      { path: 'responses[4].imageUrl', message: 'must be an http or https URL' },
      { path: 'responses[5].messages', message: 'is required' },
      { path: 'responses[6].messages', message: 'must be an array' },
      { path: 'responses[7].messages', message: 'must have 1 to 20 items' },
      { path: 'responses[8].colour', message: 'unknown field' },
      { path: 'responses[9].elements[0]', message: 'must be an object' },
    ]);
  });

  it('names each broken rule of the buttons with its message', () => {
    const buttons = (...list: unknown[]) => ({ responses: [{ type: 'buttons', title: 'Choose', buttons: list }] });
    expect(
      errorsOf(
        buttons(
          'yes',
          { title: 'No type' },
          { type: 'bogus', title: 'Odd' },
          { type: 'goto', title: 'Next' },
          { type: 'goto', title: 'Next', value: [UUID_V4] },
        ),
      ),
    ).toEqual([
      { path: 'responses[0].buttons[0]', message: 'must be an object' },
      { path: 'responses[0].buttons[1].type', message: 'is required' },
      { path: 'responses[0].buttons[2].type', message: 'must be one of: postback, goto, url, webview, phone' },
      { path: 'responses[0].buttons[3].value', message: 'is required' },
      { path: 'responses[0].buttons[4].value', message: 'must be a UUID v4' },
    ]);
    expect(errorsOf(buttons({ ...button.webview(), height: 'huge' }))).toEqual([
      { path: 'responses[0].buttons[0].height', message: 'must be one of: full, tall, compact' },
    ]);
    expect(errorsOf({ responses: [{ type: 'quickReplies', title: 'Pick', buttons: [button.url()] }] })).toEqual([
      { path: 'responses[0].buttons[0].type', message: 'url buttons are not allowed in quickReplies; must be one of: postback, goto' },
    ]);
  });

  it('counts violations in words, saying when only the first ones are listed', () => {
    expect(violationCount({ errors: [{ path: 'a', message: 'm' }], total: 1 })).toBe('1 violation');
    expect(violationCount({ errors: [{ path: 'a', message: 'm' }, { path: 'b', message: 'm' }], total: 2 })).toBe('2 violations');
    expect(violationCount({ errors: [{ path: 'a', message: 'm' }], total: 150 })).toBe('150 violations, the first 1 listed');
  });

  it('gives the same verdict through the injectable validator as through the function', () => {
    const validator = new ResponseValidator();
    expect(validator.validate({ responses: [response.text()] })).toEqual(validateReply({ responses: [response.text()] }));
    expect(validator.validate({ responses: 'hello' })).toEqual({ valid: false, errors: [{ path: 'responses', message: 'must be an array' }], total: 1 });
  });
});
