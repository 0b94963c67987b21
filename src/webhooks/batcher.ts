interface Pending<I, O> {
  item: I;
  resolve: (result: O) => void;
  reject: (error: unknown) => void;
}

export interface BatcherOptions {
  /** Statements in flight at once; calls arriving meanwhile wait and go out together in the next one. */
  concurrency: number;
  maxBatch: number;
}

/**
 * Group commit: calls that arrive while earlier statements are in flight are written together in one
 * multi-row statement, so under load one commit (one WAL flush) serves many calls, and an idle server
 * still writes each call at once with no added delay. Each caller gets its own row's result, and only
 * after the statement that holds it has committed.
 */
export class Batcher<I, O> {
  private readonly queue: Pending<I, O>[] = [];
  private running = 0;
  private idle: (() => void) | null = null;

  constructor(
    private readonly run: (items: I[]) => Promise<O[]>,
    private readonly options: BatcherOptions,
  ) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.pump();
    });
  }

  /** Resolves once everything submitted so far has been written. */
  drain(): Promise<void> {
    if (this.running === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const previous = this.idle;
      this.idle = () => {
        previous?.();
        resolve();
      };
    });
  }

  private pump(): void {
    while (this.running < this.options.concurrency && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.options.maxBatch);
      this.running++;
      this.run(batch.map((pending) => pending.item)).then(
        (results) => {
          for (let i = 0; i < batch.length; i++) batch[i].resolve(results[i]);
        },
        (error: unknown) => {
          for (const pending of batch) pending.reject(error);
        },
      ).finally(() => {
        this.running--;
        this.pump();
        if (this.running === 0 && this.queue.length === 0 && this.idle) {
          const idle = this.idle;
          this.idle = null;
          idle();
        }
      });
    }
  }
}
