import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { SecretBox } from '../common/secret-box';
import { generateSigningSecret } from '../common/signing';
import { appendQuery, ConnectionRow, prepareConnection } from './prepared-connection';

describe('appendQuery', () => {
  it.each([
    ['https://example.com/hook', 'token=t', 'https://example.com/hook?token=t'],
    ['https://example.com/hook?lang=en', 'token=t', 'https://example.com/hook?lang=en&token=t'],
    ['https://example.com/hook?', 'token=t', 'https://example.com/hook?token=t'],
    ['https://example.com/hook#frag', 'token=t', 'https://example.com/hook?token=t#frag'],
    ['https://example.com/a%20b?q=%2F', 'token=x%26y', 'https://example.com/a%20b?q=%2F&token=x%26y'],
  ])('adds to %s', (url, query, expected) => {
    expect(appendQuery(url, query)).toBe(expected);
  });
});

describe('prepareConnection', () => {
  const secrets = new SecretBox(randomBytes(32));
  const signingSecret = generateSigningSecret();
  const row = (fields: Partial<ConnectionRow> = {}): ConnectionRow => ({
    id: 'c'.repeat(24),
    bot_id: 'b'.repeat(24),
    name: 'Backend',
    url: 'https://backend.example.com/hook',
    token: null,
    headers: null,
    auth: null,
    timeout_ms: 1500,
    verification: 'not_required',
    signing_secret: secrets.seal(signingSecret),
    ...fields,
  });

  it('opens the secrets and works out URL and headers once', () => {
    const prepared = prepareConnection(
      row({
        token: secrets.seal('a b&c'),
        headers: secrets.seal(JSON.stringify({ 'X-Api-Key': 'k1' })),
        auth: secrets.seal(JSON.stringify({ username: 'jane', password: 'p:w' })),
      }),
      secrets,
    );
    expect(prepared).toMatchObject({
      id: 'c'.repeat(24),
      botId: 'b'.repeat(24),
      timeoutMs: 1500,
      url: 'https://backend.example.com/hook?token=a%20b%26c',
      redactedUrl: 'https://backend.example.com/hook?token=[redacted]',
      headers: { 'content-type': 'application/json', 'X-Api-Key': 'k1', authorization: `Basic ${Buffer.from('jane:p:w').toString('base64')}` },
      recordedHeaders: { 'content-type': 'application/json', 'X-Api-Key': '[redacted]', authorization: '[redacted]' },
    });
  });

  it('leaves URL and headers alone when there is nothing to add', () => {
    const prepared = prepareConnection(row(), secrets);
    expect(prepared.url).toBe('https://backend.example.com/hook');
    expect(prepared.redactedUrl).toBe('https://backend.example.com/hook');
    expect(prepared.headers).toEqual({ 'content-type': 'application/json' });
  });

  it('signs so that the standardwebhooks package verifies it', () => {
    const signed = prepareConnection(row(), secrets).signer.sign('msg_1', '{"a":1}');
    expect(new Webhook(signingSecret).verify('{"a":1}', { ...signed })).toEqual({ a: 1 });
  });
});
