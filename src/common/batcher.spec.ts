import { Batcher } from './batcher';

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('Batcher', () => {
  it('writes an idle call within the turn it arrived in and batches the calls that arrive while statements are in flight', async () => {
    const batches: number[][] = [];
    let release: () => void = () => undefined;
    const batcher = new Batcher<number, number>(
      async (items) => {
        batches.push(items);
        if (batches.length === 1) await new Promise<void>((resolve) => (release = resolve));
        return items.map((n) => n * 10);
      },
      { concurrency: 1, maxBatch: 3 },
    );
    const first = batcher.submit(1);
    await nextTurn();
    const rest = [2, 3, 4, 5].map((n) => batcher.submit(n));
    expect(batches).toEqual([[1]]);
    release();
    expect(await Promise.all([first, ...rest])).toEqual([10, 20, 30, 40, 50]);
    expect(batches).toEqual([[1], [2, 3, 4], [5]]);
  });

  it('writes the calls of one turn of the event loop in one statement', async () => {
    const batches: number[][] = [];
    const batcher = new Batcher<number, number>(async (items) => {
      batches.push(items);
      return items;
    }, { concurrency: 2, maxBatch: 10 });
    expect(await Promise.all([1, 2, 3].map((n) => batcher.submit(n)))).toEqual([1, 2, 3]);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('fails every call of a failed batch, and carries on with the next', async () => {
    let fail = true;
    const batcher = new Batcher<number, number>(
      async (items) => {
        if (fail) {
          fail = false;
          throw new Error('down');
        }
        return items;
      },
      { concurrency: 1, maxBatch: 10 },
    );
    await expect(batcher.submit(1)).rejects.toThrow('down');
    await expect(batcher.submit(2)).resolves.toBe(2);
  });

  it('drains: resolves once everything submitted has been written', async () => {
    const written: number[] = [];
    const batcher = new Batcher<number, void>(async (items) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      written.push(...items);
      return items.map(() => undefined);
    }, { concurrency: 2, maxBatch: 2 });
    for (const n of [1, 2, 3, 4, 5]) void batcher.submit(n);
    await batcher.drain();
    expect(written.sort()).toEqual([1, 2, 3, 4, 5]);
  });

  it('drains an idle batcher within the same turn, without writing anything', async () => {
    let runs = 0;
    const batcher = new Batcher<number, void>(async (items) => {
      runs += 1;
      return items.map(() => undefined);
    }, { concurrency: 1, maxBatch: 2 });
    await batcher.submit(1);

    const first = await Promise.race([
      batcher.drain().then(() => 'drained'),
      new Promise((resolve) => setImmediate(() => resolve('still waiting'))),
    ]);

    expect(first).toBe('drained');
    expect(runs).toBe(1);
  });

  it('runs the items of a failed batch again one by one when told to, so only the bad one fails', async () => {
    const runs: number[][] = [];
    let release: () => void = () => undefined;
    const batcher = new Batcher<number, number>(
      async (items) => {
        runs.push(items);
        if (runs.length === 1) await new Promise<void>((resolve) => (release = resolve));
        if (items.includes(3)) throw new Error('bad row');
        return items;
      },
      { concurrency: 1, maxBatch: 10, retryAlone: (error) => (error as Error).message === 'bad row' },
    );
    const first = batcher.submit(1);
    await nextTurn();
    const rest = [2, 3, 4].map((n) => batcher.submit(n));
    release();
    const settled = await Promise.allSettled([first, ...rest]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect(runs).toEqual([[1], [2, 3, 4], [2], [3], [4]]);
  });
});
