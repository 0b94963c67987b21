import { Webhook } from 'standardwebhooks';
import { generateSigningSecret, StandardWebhookSigner } from './signing';

describe('StandardWebhookSigner', () => {
  it('produces headers that the standardwebhooks package verifies', () => {
    const secret = generateSigningSecret();
    const payload = JSON.stringify({ hello: 'world' });
    const headers = new StandardWebhookSigner(secret).sign('msg_1', payload);
    expect(new Webhook(secret).verify(payload, { ...headers })).toEqual({ hello: 'world' });
  });

  it('is rejected under another secret or for a changed payload', () => {
    const secret = generateSigningSecret();
    const headers = new StandardWebhookSigner(secret).sign('msg_2', '{"a":1}');
    expect(() => new Webhook(generateSigningSecret()).verify('{"a":1}', { ...headers })).toThrow();
    expect(() => new Webhook(secret).verify('{"a":2}', { ...headers })).toThrow();
  });

  it('signs exactly as the standardwebhooks package does, non-ASCII payloads included', () => {
    const secret = generateSigningSecret();
    const at = new Date('2026-11-21T08:00:00.123Z');
    for (const payload of ['{"a":1}', '{"name":"Zoë 😀"}', 'lone \uD800 surrogate', '']) {
      expect(new StandardWebhookSigner(secret).sign('msg_3', payload, at)['webhook-signature']).toBe(new Webhook(secret).sign('msg_3', at, payload));
    }
  });

  it('generates secrets of the whsec_ form with at least 24 random bytes', () => {
    const secret = generateSigningSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(secret.slice('whsec_'.length), 'base64').length).toBeGreaterThanOrEqual(24);
    expect(generateSigningSecret()).not.toEqual(secret);
  });
});
