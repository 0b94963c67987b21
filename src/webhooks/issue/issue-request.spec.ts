import { AppError } from '../../common/errors';
import { parseIssueRequest } from './issue-request';

function problems(body: unknown): string[] {
  try {
    parseIssueRequest(body, 10_000);
  } catch (error) {
    return ((error as AppError).errors ?? []).map((e) => e.path);
  }
  return [];
}

describe('parseIssueRequest', () => {
  it('reads every field, stringifying ids and defaulting the rest', () => {
    expect(parseIssueRequest({ command: '/x', userId: 7, chatId: '-1', content: [1], params: { a: 'b' }, redirect: 'https://e.example/', expiresIn: 5, singleUse: true, mode: 'async' }, 10_000)).toEqual({
      botId: undefined,
      command: '/x',
      userId: '7',
      chatId: '-1',
      content: [1],
      params: { a: 'b' },
      redirect: 'https://e.example/',
      expiresIn: 5,
      singleUse: true,
      mode: 'async',
      deadlineMs: null,
      cors: null,
    });
    expect(parseIssueRequest({ command: '/x' }, 10_000)).toMatchObject({ userId: null, chatId: null, content: undefined, params: null, redirect: null, expiresIn: null, singleUse: false, mode: 'sync', cors: null });
  });

  it('takes aliases and treats null as absent', () => {
    expect(parseIssueRequest({ command: '/x', user_id: 1, chat_id: 2, redirect_to: 'http://e.example/', options: 'hi', userId: null }, 10_000)).toMatchObject({
      userId: '1',
      chatId: '2',
      redirect: 'http://e.example/',
      content: 'hi',
    });
  });

  it('lists every problem, under the name the caller used', () => {
    expect(problems({ command: '', user_id: 'x'.repeat(65), options: 'x'.repeat(5000), params: { a: [1] }, redirect_to: 'mailto:a@b', expiresIn: 0, singleUse: 1, mode: 'x', botId: 'X', other: 1 }).sort()).toEqual(
      ['botId', 'command', 'expiresIn', 'mode', 'options', 'other', 'params.a', 'redirect_to', 'singleUse', 'user_id'].sort(),
    );
  });

  it('takes numbers and booleans in params as their query-string text, and an empty redirect as none', () => {
    expect(parseIssueRequest({ command: '/x', params: { page: 2, ratio: 0.5, ok: true, no: false, s: 'x' } }, 10_000).params).toEqual({ page: '2', ratio: '0.5', ok: 'true', no: 'false', s: 'x' });
    expect(problems({ command: '/x', params: { a: null, b: {}, c: [] } }).sort()).toEqual(['params.a', 'params.b', 'params.c']);
    expect(parseIssueRequest({ command: '/x', redirect_to: '' }, 10_000).redirect).toBeNull();
    expect(parseIssueRequest({ command: '/x', redirect: '', redirect_to: 'https://e.example/' }, 10_000).redirect).toBe('https://e.example/');
  });

  it('refuses a field given together with its alias', () => {
    expect(problems({ command: '/x', chatId: 1, chat_id: 1 })).toEqual(['chat_id']);
  });

  it('refuses param names and values that are not well-formed text', () => {
    expect(problems({ command: '/x', params: { '': 'a', ok: '\ud800' } }).sort()).toEqual(['params.', 'params.ok']);
  });

  it('keeps cors origins in the form browsers send in Origin, once each, or ["*"]', () => {
    expect(parseIssueRequest({ command: '/x', cors: ['HTTPS://Shop.Example:443', 'https://shop.example', 'http://[::1]:3000', 'https://bücher.example'] }, 10_000).cors).toEqual([
      'https://shop.example',
      'http://[::1]:3000',
      'https://xn--bcher-kva.example',
    ]);
    expect(parseIssueRequest({ command: '/x', cors: ['*'] }, 10_000).cors).toEqual(['*']);
    expect(problems({ command: '/x', cors: ['*', 'https://a.example', 'https://a.example/', 'https://a.example?x', 'https://a.example#x', 'null', 'https://a.example:99999', `https://${'a'.repeat(300)}.example`] })).toEqual(
      ['cors[0]', 'cors[2]', 'cors[3]', 'cors[4]', 'cors[5]', 'cors[6]', 'cors[7]'],
    );
    expect(problems({ command: '/x', cors: [] })).toEqual(['cors']);
  });

  it('refuses a body that is not an object', () => {
    for (const body of [null, [], 'x', 1]) expect(() => parseIssueRequest(body, 10_000)).toThrow('request body must be a JSON object');
  });

  it('takes mode auto with a deadline from 100 ms to the runtime timeout, 3000 by default, and a deadline only with auto', () => {
    expect(parseIssueRequest({ command: '/x', mode: 'auto' }, 10_000)).toMatchObject({ mode: 'auto', deadlineMs: 3000 });
    expect(parseIssueRequest({ command: '/x', mode: 'auto', deadlineMs: 100 }, 10_000)).toMatchObject({ deadlineMs: 100 });
    expect(parseIssueRequest({ command: '/x', mode: 'auto', deadlineMs: 10_000 }, 10_000)).toMatchObject({ deadlineMs: 10_000 });
    expect(parseIssueRequest({ command: '/x', mode: 'auto' }, 2000)).toMatchObject({ deadlineMs: 2000 });
    expect(parseIssueRequest({ command: '/x' }, 10_000).deadlineMs).toBeNull();
    for (const deadlineMs of [99, 10_001, 1.5, '500']) expect(() => parseIssueRequest({ command: '/x', mode: 'auto', deadlineMs }, 10_000)).toThrow(AppError);
    expect(() => parseIssueRequest({ command: '/x', mode: 'async', deadlineMs: 500 }, 10_000)).toThrow(AppError);
    expect(() => parseIssueRequest({ command: '/x', deadlineMs: 500 }, 10_000)).toThrow(AppError);
  });
});
