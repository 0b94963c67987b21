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
  it('drains a batcher that never wrote anything within the same turn', async () => {
    const batcher = new Batcher<number, void>(async (items) => items.map(() => undefined), { concurrency: 1, maxBatch: 2 });

    const first = await Promise.race([batcher.drain().then(() => 'drained'), nextTurn().then(() => 'still waiting')]);

    expect(first).toBe('drained');
  });

  it('keeps at most `concurrency` statements in flight, however many turns the calls arrive in', async () => {
    let inFlight = 0;
    let most = 0;
    const releases: Array<() => void> = [];
    const batcher = new Batcher<number, number>(
      async (items) => {
        inFlight += 1;
        most = Math.max(most, inFlight);
        await new Promise<void>((resolve) => releases.push(resolve));
        inFlight -= 1;
        return items;
      },
      { concurrency: 2, maxBatch: 1 },
    );
    const calls: Promise<number>[] = [];
    for (let n = 1; n <= 6; n++) {
      calls.push(batcher.submit(n));
      await nextTurn();
    }
    expect(inFlight).toBe(2);
    while (releases.length > 0) {
      releases.shift()!();
      await nextTurn();
    }
    expect(await Promise.all(calls)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(most).toBe(2);
  });

  it('fails a one-item batch without running it again, even when told to retry items alone', async () => {
    let runs = 0;
    const batcher = new Batcher<number, number>(
      async () => {
        runs += 1;
        throw new Error('bad row');
      },
      { concurrency: 1, maxBatch: 10, retryAlone: () => true },
    );

    await expect(batcher.submit(1)).rejects.toThrow('bad row');
    expect(runs).toBe(1);
  });

  it('fails every call of a failed batch with its error when no retry rule is given', async () => {
    const batcher = new Batcher<number, number>(async () => {
      throw new Error('down');
    }, { concurrency: 1, maxBatch: 10 });

    const settled = await Promise.allSettled([batcher.submit(1), batcher.submit(2)]);

    expect(settled).toEqual([
      { status: 'rejected', reason: new Error('down') },
      { status: 'rejected', reason: new Error('down') },
    ]);
  });

  it('runs a batch that succeeded once, even with a retry rule', async () => {
    let runs = 0;
    const batcher = new Batcher<number, number>(
      async (items) => {
        runs += 1;
        return items.map((n) => n * 2);
      },
      { concurrency: 1, maxBatch: 10, retryAlone: () => true },
    );

    expect(await Promise.all([batcher.submit(1), batcher.submit(2)])).toEqual([2, 4]);
    expect(runs).toBe(1);
  });

  it('drains only once the statement in flight has committed, though nothing is left in the queue', async () => {
    let release: () => void = () => undefined;
    const batcher = new Batcher<number, number>(async (items) => {
      await new Promise<void>((resolve) => (release = resolve));
      return items;
    }, { concurrency: 1, maxBatch: 10 });
    const written = batcher.submit(1);
    await nextTurn();

    let drained = false;
    const drain = batcher.drain().then(() => (drained = true));
    await nextTurn();
    expect(drained).toBe(false);
    release();
    await drain;
    expect(await written).toBe(1);
  });

  it('drains only once every statement in flight has committed, not when the first of them has', async () => {
    const releases = new Map<number, () => void>();
    const batcher = new Batcher<number, number>(async (items) => {
      await new Promise<void>((resolve) => releases.set(items[0], resolve));
      return items;
    }, { concurrency: 2, maxBatch: 1 });
    void batcher.submit(1);
    void batcher.submit(2);
    await nextTurn();
    expect([...releases.keys()]).toEqual([1, 2]);

    let drained = false;
    const drain = batcher.drain().then(() => (drained = true));
    releases.get(1)!();
    await nextTurn();
    await nextTurn();
    expect(drained).toBe(false);
    releases.get(2)!();
    await drain;
    expect(drained).toBe(true);
  });
});
