import { ListDeliveriesQuery } from '../connections/dto/delivery.dto';
import { InvocationsQuery } from '../webhooks/invocations/invocations.dto';
import { AppError } from './errors';
import { RequestValidationPipe } from './validation.pipe';

const check = (metatype: new () => object, query: Record<string, string>): Promise<unknown> =>
  new RequestValidationPipe().transform(query, { type: 'query', metatype });

const pathsRefused = async (metatype: new () => object, query: Record<string, string>): Promise<string[]> => {
  try {
    await check(metatype, query);
    return [];
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    return [...new Set((error.errors ?? []).map((e) => e.path))];
  }
};

describe.each([
  ['the invocations list', InvocationsQuery],
  ['the deliveries list', ListDeliveriesQuery],
] as const)('paging %s', (_name, metatype) => {
  it('takes a limit of 1 to 100 and a cursor, the limit as a number', async () => {
    await expect(check(metatype, { limit: '1', cursor: 'abc' })).resolves.toMatchObject({ limit: 1, cursor: 'abc' });
    await expect(check(metatype, { limit: '100' })).resolves.toMatchObject({ limit: 100 });
  });

  it.each(['0', '101', '1.5', 'ten'])('refuses limit=%s on the limit', async (limit) => {
    expect(await pathsRefused(metatype, { limit })).toEqual(['limit']);
  });

  it('refuses a cursor longer than any this API returns, before decoding it', async () => {
    expect(await pathsRefused(metatype, { cursor: 'a'.repeat(201) })).toEqual(['cursor']);
    expect(await pathsRefused(metatype, { cursor: 'a'.repeat(200) })).toEqual([]);
  });
});
