import { createHmac, randomBytes } from 'node:crypto';
import { issueWebhookUrl, openWebhookToken, readWebhookToken } from './webhook-url';
import type { WebhookClaims } from '../shared/webhook-claims';

const key = randomBytes(32);
const claims: WebhookClaims = {
  webhookId: '3f2b8a4c-1d2e-4f5a-9b6c-7d8e9f0a1b2c',
  botId: '65a1f0c2e4b0a1b2c3d4e5f6',
  keyVersion: 3,
  command: '/onWebhook',
  userId: '42',
  chatId: '-100200',
  content: { question: 'Did you see the cat?', tags: ['a', 1, null] },
  params: { order: 'A-1 & more', "it's": '(*)!' },
  redirect: 'https://example.com/cat.jpg',
  expiresAt: 1_900_000_000,
  singleUse: true,
  mode: 'async',
  deadlineMs: null,
  cors: ['https://shop.example', 'http://127.0.0.1:8080'],
};

function split(url: string): { segment: string; query: string } {
  const [path, query = ''] = url.split('?');
  return { segment: path.slice(path.indexOf('/w/') + 3), query };
}

function hmac(unsigned: string): string {
  return createHmac('sha256', key).update(unsigned).digest('base64url');
}

function base64url(json: unknown): string {
  return Buffer.from(JSON.stringify(json)).toString('base64url');
}

function open(url: string, withKey = key): WebhookClaims | null {
  const { segment, query } = split(url);
  const token = readWebhookToken(segment);
  return token && openWebhookToken(token, query, withKey);
}

describe('webhook URLs', () => {
  it('round-trips every issued value', () => {
    const url = issueWebhookUrl('https://hooks.example.com', claims, key);
    expect(url.startsWith('https://hooks.example.com/w/65a1f0c2e4b0a1b2c3d4e5f6.3.')).toBe(true);
    expect(open(url)).toEqual(claims);
  });

  it('round-trips the minimal URL, with absent values as null and no query', () => {
    const minimal: WebhookClaims = { ...claims, userId: null, chatId: null, content: undefined, params: null, redirect: null, expiresAt: null, singleUse: false, mode: 'sync', deadlineMs: null, cors: null };
    const url = issueWebhookUrl('http://localhost:3000', minimal, key);
    expect(url).not.toContain('?');
    expect(open(url)).toEqual(minimal);
  });

  it('round-trips an auto URL with its deadline, which the signature covers', () => {
    const auto: WebhookClaims = { ...claims, mode: 'auto', deadlineMs: 1500 };
    const url = issueWebhookUrl('https://h.example', auto, key);
    expect(open(url)).toEqual(auto);
    const payload = split(url).segment.split('.')[2];
    const body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    const longer = Buffer.from(JSON.stringify({ ...body, d: 60_000 })).toString('base64url');
    expect(open(url.replace(payload, longer))).toBeNull();
  });

  it('issues params as strictly percent-encoded query parameters that survive WHATWG URL parsing', () => {
    const url = issueWebhookUrl('https://h.example', claims, key);
    expect(split(url).query).toBe('order=A-1%20%26%20more&it%27s=%28%2A%29%21');
    expect(new URL(url).href).toBe(url);
  });

  it('accepts parameters the caller appends after the issued ones, and nothing glued onto them', () => {
    const url = issueWebhookUrl('https://h.example', claims, key);
    expect(open(`${url}&status=paid`)).toEqual(claims);
    expect(open(`${url}x`)).toBeNull();
    expect(open(url.replace('order=', 'order=B'))).toBeNull();
    const plain = issueWebhookUrl('https://h.example', { ...claims, params: null }, key);
    expect(open(`${plain}?status=paid`)?.params).toBeNull();
  });

  it('fails under another key, and for any single changed character', () => {
    const url = issueWebhookUrl('https://h.example', claims, key);
    expect(open(url, randomBytes(32))).toBeNull();
    const start = url.indexOf('/w/') + 3;
    for (let i = start; i < url.length; i++) {
      const changed = `${url.slice(0, i)}${url[i] === 'A' ? 'B' : 'A'}${url.slice(i + 1)}`;
      expect(open(changed)).toBeNull();
    }
  });

  it('reads only well-formed tokens', () => {
    expect(readWebhookToken('65a1f0c2e4b0a1b2c3d4e5f6.1.abc.' + 'x'.repeat(43))).toEqual({ botId: '65a1f0c2e4b0a1b2c3d4e5f6', keyVersion: 1, payload: 'abc', signature: 'x'.repeat(43) });
    for (const bad of ['', 'a.b.c.d', '65A1F0C2E4B0A1B2C3D4E5F6.1.abc.' + 'x'.repeat(43), '65a1f0c2e4b0a1b2c3d4e5f6.0.abc.' + 'x'.repeat(43), '65a1f0c2e4b0a1b2c3d4e5f6.1.abc.' + 'x'.repeat(42)]) {
      expect(readWebhookToken(bad)).toBeNull();
    }
  });

  it('checks a signature with one constant-time comparison of equal-length buffers, wherever it is wrong', () => {
    // The module object itself (an import namespace would be a copy), so that the code under test sees the spy.
    const spy = jest.spyOn(require('node:crypto') as typeof import('node:crypto'), 'timingSafeEqual');
    try {
      const { segment, query } = split(issueWebhookUrl('https://hooks.example.com', claims, key));
      const token = readWebhookToken(segment)!;
      const flip = (at: number) => token.signature.slice(0, at) + (token.signature[at] === 'A' ? 'B' : 'A') + token.signature.slice(at + 1);
      const wrongFirst = flip(0);
      const wrongLast = flip(token.signature.length - 1);

      expect(openWebhookToken(token, query, key)).toEqual(claims);
      expect(openWebhookToken({ ...token, signature: wrongFirst }, query, key)).toBeNull();
      expect(openWebhookToken({ ...token, signature: wrongLast }, query, key)).toBeNull();

      expect(spy.mock.calls.map(([expected, given]) => [Buffer.from(expected as Buffer).toString(), Buffer.from(given as Buffer).toString()])).toEqual([
        [token.signature, token.signature],
        [token.signature, wrongFirst],
        [token.signature, wrongLast],
      ]);
    } finally {
      spy.mockRestore();
    }
  });

  it('issues exactly the documented format: only the values that are set, signed with the issued query', () => {
    const minimal: WebhookClaims = { ...claims, userId: null, chatId: null, content: undefined, params: null, redirect: null, expiresAt: null, singleUse: false, mode: 'sync', cors: null };
    const bare = `65a1f0c2e4b0a1b2c3d4e5f6.3.${base64url({ i: claims.webhookId, c: '/onWebhook' })}`;
    expect(issueWebhookUrl('http://localhost:3000', minimal, key)).toBe(`http://localhost:3000/w/${bare}.${hmac(bare)}`);

    const query = 'order=A-1%20%26%20more&it%27s=%28%2A%29%21';
    const full = `65a1f0c2e4b0a1b2c3d4e5f6.3.${base64url({
      i: claims.webhookId,
      c: '/onWebhook',
      u: '42',
      h: '-100200',
      o: claims.content,
      q: query.length,
      r: 'https://example.com/cat.jpg',
      e: 1_900_000_000,
      s: 1,
      m: 1,
      a: claims.cors,
    })}`;
    expect(issueWebhookUrl('https://h.example', claims, key)).toBe(`https://h.example/w/${full}.${hmac(`${full}?${query}`)}?${query}`);
  });

  it('refuses a correctly signed payload that is not a JSON object', () => {
    for (const json of ['null', '42', '"text"', 'true']) {
      const payload = Buffer.from(json).toString('base64url');
      const unsigned = `65a1f0c2e4b0a1b2c3d4e5f6.3.${payload}`;
      const token = readWebhookToken(`${unsigned}.${hmac(unsigned)}`)!;
      expect(token).not.toBeNull();
      expect(openWebhookToken(token, '', key)).toBeNull();
    }
  });
});
