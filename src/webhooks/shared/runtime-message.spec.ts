import { randomBytes } from 'node:crypto';
import { SecretBox } from '../../common/secret-box';
import { readStoredMessage, RuntimeMessageInput, runtimeMessage, storableMessage, storedMessage } from './runtime-message';

const signature = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ';
const url = `http://bothooks.test/w/0123456789abcdef01234567.1.eyJpIjoiIn0.${signature}?k=v&x=%22${signature}`;
const headers = (extra: Record<string, string>) => Object.assign(Object.create(null) as Record<string, string>, { host: 'bothooks.test', '123': 'numeric name', ...extra });

function input(overrides: Partial<RuntimeMessageInput>): RuntimeMessageInput {
  return {
    invocationId: '019b3456-789a-7bcd-8ef0-123456789abc',
    claims: { webhookId: 'w', botId: '0123456789abcdef01234567', keyVersion: 1, command: '/c "q"', userId: '1', chatId: null, content: { a: [1, 'two'] }, params: null, redirect: null, expiresAt: null, singleUse: false, mode: 'sync', deadlineMs: null, cors: null },
    url,
    signatureEnd: url.indexOf('?'),
    method: 'POST',
    params: { k: 'v', x: `"${signature}` },
    headers: headers({}),
    ip: '203.0.113.9',
    body: { text: 'a\u0000"b"\\ ✓', encoding: 'utf8' },
    receivedAt: new Date('2025-01-02T03:04:05.678Z'),
    ...overrides,
  };
}

/** The §3.4 body written out whole, as it was before the message was stored in parts. */
function whole(i: RuntimeMessageInput): string {
  const issued = i.claims.content;
  const content = i.body !== null ? i.body.text : typeof issued === 'string' ? issued : JSON.stringify(issued);
  const options: Record<string, unknown> = { url: i.url, method: i.method, params: i.params, headers: i.headers, ip: i.ip, body: i.body === null ? '' : i.body.text };
  if (i.body?.encoding === 'base64') options.bodyEncoding = 'base64';
  const { webhookId, botId, command, userId, chatId } = i.claims;
  return JSON.stringify({ type: 'webhook', invocationId: i.invocationId, webhookId, botId, command, userId, chatId, content, issuedContent: issued ?? null, options, receivedAt: i.receivedAt.toISOString() });
}

describe('the stored §3.4 message', () => {
  const box = new SecretBox(randomBytes(32));
  const cases: [string, RuntimeMessageInput][] = [
    ['a text body', input({})],
    ['no body', input({ body: null, method: 'GET' })],
    ['a base64 body', input({ body: { text: Buffer.from([0xff, 0, 1]).toString('base64'), encoding: 'base64' } })],
    ['credential headers', input({ headers: headers({ authorization: 'Bearer s3cret "x"', cookie: 'sid=c00kie' }) })],
  ];

  it.each(cases)('is put together again, from memory and from its row, exactly as the whole message with %s', (_, i) => {
    const stored = storedMessage(i);
    expect(runtimeMessage(stored)).toBe(whole(i));
    const row = storableMessage(stored, box);
    expect(readStoredMessage({ payload: stored.frame, ...row }, box)).toBe(whole(i));
  });

  it('keeps the signature and the credential values out of what is stored in clear, and the body out of the frame', () => {
    const stored = storedMessage(input({ headers: headers({ authorization: 'Bearer s3cret', cookie: 'sid=c00kie' }) }));
    const row = storableMessage(stored, box);
    const clear = `${stored.frame}${row.sealed}`;
    // The signature appears again only where the caller appended it, as text of its own.
    expect(clear.split(signature).length).toBe(3);
    expect(stored.frame).toContain(`.eyJpIjoiIn0.\u0001?k=v`);
    for (const secret of ['s3cret', 'c00kie', '✓']) expect(clear).not.toContain(secret);
    expect(row.body).toEqual(Buffer.from('a\u0000"b"\\ ✓'));
  });

  it('reads a row stored whole, before the body had a column of its own, as it is', () => {
    const text = whole(input({}));
    expect(readStoredMessage({ payload: text, body: null, sealed: null }, box)).toBe(text);
  });
});
