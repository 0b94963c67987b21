import { AppError } from '../common/errors';
import { parseDispatchRequest } from './dispatch-request';

function problems(body: unknown): string[] {
  try {
    parseDispatchRequest(body);
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    expect(error.status).toBe(400);
    return (error.errors ?? []).map((e) => e.path);
  }
  throw new Error('expected the body to be refused');
}

describe('parseDispatchRequest', () => {
  it('keeps ids as strings, numbers included, and every optional field as given', () => {
    expect(
      parseDispatchRequest({
        chatId: 123456789,
        userId: 'u-1',
        messageId: '3F2B8A4C-1D2E-4F5A-9B6C-7D8E9F0A1B2C',
        externalId: 'ext',
        node: { id: 'n1', name: 'Ask' },
        userAttributes: { email: 'jane@example.com', vip: true },
        attributes: { plan: 'pro', seats: 3, note: null },
      }),
    ).toEqual({
      chatId: '123456789',
      userId: 'u-1',
      messageId: '3F2B8A4C-1D2E-4F5A-9B6C-7D8E9F0A1B2C',
      externalId: 'ext',
      node: { id: 'n1', name: 'Ask' },
      userAttributes: { email: 'jane@example.com', vip: true },
      attributes: { plan: 'pro', seats: 3, note: null },
    });
  });

  it('treats null as absent', () => {
    expect(parseDispatchRequest({ chatId: '1', userId: '2', messageId: null, externalId: null, node: null, userAttributes: null, attributes: null })).toEqual({
      chatId: '1',
      userId: '2',
    });
  });

  it('lists every problem by path, unknown fields included', () => {
    expect(
      problems({
        chatId: '',
        userId: { id: 1 },
        messageId: 'nope',
        externalId: 'x'.repeat(257),
        node: { id: 7, color: 'red' },
        userAttributes: { nested: { a: 1 } },
        attributes: ['a'],
        extra: true,
      }),
    ).toEqual(['extra', 'chatId', 'userId', 'messageId', 'externalId', 'node.color', 'node.id', 'userAttributes.nested', 'attributes']);
  });

  it('requires chatId and userId, an empty body included', () => {
    expect(problems({})).toEqual(['chatId', 'userId']);
    expect(problems(undefined)).toEqual(['chatId', 'userId']);
  });

  it('counts lengths in code points', () => {
    expect(parseDispatchRequest({ chatId: '😀'.repeat(64), userId: '1' }).chatId).toHaveLength(128);
    expect(problems({ chatId: '😀'.repeat(65), userId: '1' })).toEqual(['chatId']);
    expect(parseDispatchRequest({ chatId: '1', userId: '1', attributes: { ['😀'.repeat(128)]: '😀'.repeat(1024) } }).attributes).toEqual({ ['😀'.repeat(128)]: '😀'.repeat(1024) });
    expect(problems({ chatId: '1', userId: '1', attributes: { ['😀'.repeat(129)]: 1 }, userAttributes: { a: '😀'.repeat(1025) } })).toEqual([
      'userAttributes.a',
      `attributes[${JSON.stringify('😀'.repeat(129))}]`,
    ]);
  });

  it('refuses a body that is not an object, and NUL characters anywhere', () => {
    expect(() => parseDispatchRequest([])).toThrow('request body must be a JSON object');
    expect(() => parseDispatchRequest('chat')).toThrow('request body must be a JSON object');
    expect(problems({ chatId: '1', userId: '2', attributes: { a: 'x\u0000y' } })).toEqual(['attributes.a']);
  });
});
