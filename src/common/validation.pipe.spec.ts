import { MAX_JSON_DEPTH } from './json-depth';
import { RequestValidationPipe, unstorableInput } from './validation.pipe';
import { AppError } from './errors';

describe('unstorableInput', () => {
  it('accepts ordinary bodies', () => {
    expect(unstorableInput({ name: 'Cat facts', tags: ['a', { b: [1, null, true] }] })).toEqual([]);
  });

  it('names every string and key that holds a NUL character, which Postgres text cannot store', () => {
    const problems = unstorableInput({ name: 'a\u0000b', nested: { list: ['ok', '\u0000'] }, ['k\u0000']: 1 });
    expect(problems).toHaveLength(3);
    expect(problems).toEqual(
      expect.arrayContaining([
        { path: 'name', message: 'must not contain the NUL character (\\u0000)' },
        { path: 'nested.list[1]', message: 'must not contain the NUL character (\\u0000)' },
        { path: 'k\\u0000', message: 'field names must not contain the NUL character (\\u0000)' },
      ]),
    );
  });

  it('refuses nesting deeper than the limit without overflowing the stack itself', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    const [problem] = unstorableInput(deep);
    expect(problem.message).toBe(`nested more than ${MAX_JSON_DEPTH} levels deep`);
    expect(problem.path.split('.')).toHaveLength(MAX_JSON_DEPTH);
    let fits: unknown = 1;
    for (let i = 0; i < MAX_JSON_DEPTH; i++) fits = [fits];
    expect(unstorableInput(fits)).toEqual([]);
  });
});

describe('RequestValidationPipe', () => {
  class Dto {}

  it('answers a deeply nested body with 400 before class-transformer recurses into it', async () => {
    let deep: unknown = 1;
    for (let i = 0; i < 10_000; i++) deep = { a: deep };
    const attempt = new RequestValidationPipe().transform({ name: deep }, { type: 'body', metatype: Dto });
    await expect(attempt).rejects.toBeInstanceOf(AppError);
    await expect(attempt).rejects.toMatchObject({ status: 400 });
  });

  it('answers a NUL character in a query value with 400', async () => {
    const attempt = new RequestValidationPipe().transform({ command: '\u0000' }, { type: 'query', metatype: Dto });
    await expect(attempt).rejects.toMatchObject({ status: 400, errors: [{ path: 'command', message: 'must not contain the NUL character (\\u0000)' }] });
  });
});
