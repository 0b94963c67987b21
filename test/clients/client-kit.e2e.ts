import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { asBotsBusiness, asTeleBotHost, buttons, phone, quickReplies, RuntimeMessage, SignatureError, url, verifyRuntimeCall, webview } from '@bothooks/client';

const secret = `whsec_${randomBytes(24).toString('base64')}`;
const message: RuntimeMessage = {
  type: 'webhook',
  invocationId: '5b0e4c4e-1a2b-4c3d-8e9f-0a1b2c3d4e5f',
  webhookId: '6c1f5d5f-2b3c-4d4e-9f0a-1b2c3d4e5f60',
  botId: 'bot-1',
  command: '/onWebhook',
  userId: '42',
  chatId: null,
  content: 'hello',
  issuedContent: { order: 7 },
  options: { url: 'https://hooks.example/w/x?page=2', method: 'GET', params: { page: '2' }, headers: {}, ip: '203.0.113.9', body: '' },
  receivedAt: '2030-01-01T00:00:00.000Z',
};
const body = JSON.stringify(message);
const signedAt = new Date('2030-01-01T00:00:00Z');
const headers = (key = secret, at = signedAt) => ({
  'webhook-id': message.invocationId,
  'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
  'webhook-signature': new Webhook(key).sign(message.invocationId, at, body),
});

describe('verifyRuntimeCall, against calls signed by the standardwebhooks package', () => {
  it('returns the message of a well-signed call, from a string or the raw bytes, among several signatures', () => {
    expect(verifyRuntimeCall(headers(), body, secret, { now: signedAt })).toEqual(message);
    const several = { ...headers(), 'webhook-signature': `v1,bm90IGl0 ${headers()['webhook-signature']}` };
    expect(verifyRuntimeCall(several, Buffer.from(body), secret, { now: new Date(signedAt.getTime() + 299_000) })).toEqual(message);
  });

  it('refuses another secret, a changed body and missing headers', () => {
    const other = `whsec_${randomBytes(24).toString('base64')}`;
    expect(() => verifyRuntimeCall(headers(other), body, secret, { now: signedAt })).toThrow(SignatureError);
    expect(() => verifyRuntimeCall(headers(), body.replace('hello', 'hellO'), secret, { now: signedAt })).toThrow(SignatureError);
    expect(() => verifyRuntimeCall({}, body, secret, { now: signedAt })).toThrow(SignatureError);
  });

  it('refuses a timestamp more than 5 minutes old or ahead', () => {
    expect(() => verifyRuntimeCall(headers(), body, secret, { now: new Date(signedAt.getTime() + 301_000) })).toThrow(/5 minutes/);
    expect(() => verifyRuntimeCall(headers(), body, secret, { now: new Date(signedAt.getTime() - 301_000) })).toThrow(/5 minutes/);
  });
});

describe('reply builders and adapters', () => {
  it('fill the defaults a backend may leave out', () => {
    expect(buttons('Call us', [phone('Phone', '+100'), webview('Shop', 'https://shop.example'), url('Site', 'https://x.example')])).toEqual({
      type: 'buttons',
      delay: 1000,
      title: 'Call us',
      buttons: [
        { type: 'phone', title: 'Phone', value: '+100' },
        { type: 'webview', title: 'Shop', value: 'https://shop.example', height: 'compact' },
        { type: 'url', title: 'Site', value: 'https://x.example' },
      ],
    });
  });

  it('refuse, at compile time, a url button in quick replies', () => {
    // @ts-expect-error quick replies allow only postback and goto buttons
    expect(quickReplies('Pick', [url('Site', 'https://x.example')]).type).toBe('quickReplies');
  });

  it('show a call as Bots.Business and TeleBotHost commands see it', () => {
    expect(asBotsBusiness(message)).toEqual({ content: 'hello', options: message.options });
    expect(asTeleBotHost(message)).toEqual({ options: { order: 7 }, params: { page: '2' } });
  });
});
