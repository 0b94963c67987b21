import { randomBytes } from 'node:crypto';
import { SecretBox } from '../../common/secret-box';
import type { WebhookClaims } from './webhook-claims';
import { MessageColumns, readStoredMessage, RuntimeMessageInput, runtimeMessage, storableMessage, storedFrame, storedMessage } from './runtime-message';

const signature = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ';
const baseClaims: WebhookClaims = { webhookId: 'w', botId: '0123456789abcdef01234567', keyVersion: 1, command: '/c "q"', userId: '1', chatId: null, content: { a: [1, 'two'] }, params: null, redirect: null, expiresAt: null, singleUse: false, mode: 'sync', deadlineMs: null, cors: null };
/** The URL a call of these claims arrives at: its payload carries the issued content, as an issued URL's does. */
function urlOf(claims: WebhookClaims): string {
  const payload = Buffer.from(JSON.stringify({ i: claims.webhookId, c: claims.command, ...(claims.content === undefined ? {} : { o: claims.content }) })).toString('base64url');
  return `http://bothooks.test/w/${claims.botId}.1.${payload}.${signature}?k=v&x=%22${signature}`;
}
const headers = (extra: Record<string, string>) => Object.assign(Object.create(null) as Record<string, string>, { host: 'bothooks.test', '123': 'numeric name', ...extra });

function input(overrides: Partial<RuntimeMessageInput>): RuntimeMessageInput {
  const claims = overrides.claims ?? baseClaims;
  const url = urlOf(claims);
  return {
    invocationId: '019b3456-789a-7bcd-8ef0-123456789abc',
    claims,
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
  const content = i.body !== null ? i.body.text : typeof issued === 'string' ? issued : issued === undefined ? '' : JSON.stringify(issued);
  const options: Record<string, unknown> = { url: i.url, method: i.method, params: i.params, headers: i.headers, ip: i.ip, body: i.body === null ? '' : i.body.text };
  if (i.body?.encoding === 'base64') options.bodyEncoding = 'base64';
  const { webhookId, botId, command, userId, chatId } = i.claims;
  return JSON.stringify({ type: 'webhook', invocationId: i.invocationId, webhookId, botId, command, userId, chatId, content, issuedContent: issued ?? null, options, receivedAt: i.receivedAt.toISOString() });
}

/** The row's columns that the message repeats, as the receive path writes them. */
function columns(i: RuntimeMessageInput): MessageColumns {
  const { webhookId, botId, command, userId, chatId } = i.claims;
  return { id: i.invocationId, webhook_id: webhookId, bot_id: botId, command, user_id: userId, chat_id: chatId, received_at: i.receivedAt };
}

describe('the stored §3.4 message', () => {
  const box = new SecretBox(randomBytes(32));
  const cases: [string, RuntimeMessageInput][] = [
    ['a text body', input({})],
    ['no body', input({ body: null, method: 'GET' })],
    ['a base64 body', input({ body: { text: Buffer.from([0xff, 0, 1]).toString('base64'), encoding: 'base64' } })],
    ['credential headers', input({ headers: headers({ authorization: 'Bearer s3cret "x"', cookie: 'sid=c00kie' }) })],
    ['no body and text content', input({ body: null, method: 'GET', claims: { ...baseClaims, content: 'plan "pro" ✓' } })],
    ['no body and null content', input({ body: null, method: 'GET', claims: { ...baseClaims, content: null } })],
    ['no body and no content', input({ body: null, method: 'GET', claims: { ...baseClaims, content: undefined } })],
    ['a body and no content', input({ claims: { ...baseClaims, content: undefined } })],
  ];

  it.each(cases)('is put together again, from memory and from its row, exactly as the whole message with %s', (_, i) => {
    const stored = storedMessage(i);
    expect(runtimeMessage(stored)).toBe(whole(i));
    const row = storableMessage(stored, box);
    expect(readStoredMessage({ ...columns(i), payload: storedFrame(stored), ...row }, box)).toBe(whole(i));
  });

  it("stores none of what the row's columns hold: the head and tail come back from the columns", () => {
    const i = input({ claims: { ...input({}).claims, webhookId: '0b9f6c1e-0000-4000-8000-00000000000a', chatId: 'chat "7"' } });
    const frame = storedFrame(storedMessage(i));
    for (const value of [i.invocationId, i.claims.webhookId, 'receivedAt', '2025-01-02T03:04:05.678Z', '"type"', 'chat \\"7\\"']) expect(frame).not.toContain(value);
    expect(frame.startsWith('"content":')).toBe(true);
    // The columns, not the stored text, say what the head and tail hold.
    const later = new Date('2025-01-03T00:00:00.000Z');
    const read = JSON.parse(readStoredMessage({ ...columns(i), received_at: later, payload: frame, ...storableMessage(storedMessage(i), box) }, box));
    expect(read).toMatchObject({ invocationId: i.invocationId, webhookId: i.claims.webhookId, chatId: 'chat "7"', receivedAt: later.toISOString() });
  });

  it('stores the issued content once, in the URL, and the bot id once, in its column: the frame repeats neither', () => {
    const content = { plan: 'pro-annual', orderId: 'A-1001' };
    for (const body of [null, input({}).body]) {
      // The URL's payload is base64url, so the content's text appears nowhere in the frame.
      const frame = storedFrame(storedMessage(input({ body, method: body === null ? 'GET' : 'POST', claims: { ...baseClaims, content } })));
      expect(frame).not.toContain('pro-annual');
      expect(frame).not.toContain(baseClaims.botId);
    }
  });

  it('reads a row stored with the issued content written out, from before it was left to the URL, as it was', () => {
    const i = input({ body: null, method: 'GET' });
    const frame = whole(i);
    const stored = frame.slice(frame.indexOf('"content":'), frame.lastIndexOf(',"receivedAt"'));
    expect(readStoredMessage({ ...columns(i), payload: stored.replace(`.${signature}?`, '.\u0001?'), body: null, sealed: box.seal(JSON.stringify([signature])) }, box)).toBe(frame);
  });

  it('reads a row stored with its whole frame, from before the column values were left out of it, as it was', () => {
    const i = input({ headers: headers({ authorization: 'Bearer s3cret' }) });
    const stored = storedMessage(i);
    const elsewhere = { ...columns(i), id: '019b3456-789a-7bcd-8ef0-000000000000', received_at: new Date(0) };
    expect(readStoredMessage({ ...elsewhere, payload: stored.frame, ...storableMessage(stored, box) }, box)).toBe(whole(i));
  });

  it('keeps the signature and the credential values out of what is stored in clear, and the body out of the frame', () => {
    const stored = storedMessage(input({ headers: headers({ authorization: 'Bearer s3cret', cookie: 'sid=c00kie' }) }));
    const row = storableMessage(stored, box);
    const clear = `${storedFrame(stored)}${row.sealed}`;
    // The signature appears again only where the caller appended it, as text of its own.
    expect(clear.split(signature).length).toBe(3);
    expect(storedFrame(stored)).toContain(`.1.${urlOf(baseClaims).split('.')[3]}.\u0001?k=v`);
    for (const secret of ['s3cret', 'c00kie', '✓']) expect(clear).not.toContain(secret);
    expect(row.body).toEqual(Buffer.from('a\u0000"b"\\ ✓'));
  });

  it('reads a row stored whole, before the body had a column of its own, as it is', () => {
    const text = whole(input({}));
    expect(readStoredMessage({ ...columns(input({})), payload: text, body: null, sealed: null }, box)).toBe(text);
  });
});
