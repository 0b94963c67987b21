interface Pending<I, O> {
  item: I;
  resolve: (result: O) => void;
  reject: (error: unknown) => void;
}

export interface BatcherOptions {
  /** Statements in flight at once; calls arriving meanwhile wait and go out together in the next one. */
  concurrency: number;
  maxBatch: number;
  /**
   * A batch is one statement, so one bad item fails all of it. When this says yes to the error, the items
   * are run again one at a time, and only the bad one fails.
   */
  retryAlone?: (error: unknown) => boolean;
}

/**
 * Group commit: calls that arrive in the same turn of the event loop, or while earlier statements are in
 * flight, are written together in one multi-row statement, so under load one commit (one WAL flush)
 * serves many calls, and an idle server writes each call within the turn it arrived in. Each caller gets
 * its own row's result, and only after the statement that holds it has committed.
 */
export class Batcher<I, O> {
  private readonly queue: Pending<I, O>[] = [];
  private running = 0;
  private scheduled = false;
  private idle: (() => void) | null = null;

  constructor(
    private readonly run: (items: I[]) => Promise<O[]>,
    private readonly options: BatcherOptions,
  ) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
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

  /**
   * Writes at the end of this turn of the event loop, not at once: the HTTP server hands over all the
   * requests that arrived together within one turn, and they then share one statement instead of the
   * first going out alone.
   */
  private schedule(): void {
    if (this.scheduled || this.running >= this.options.concurrency) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    while (this.running < this.options.concurrency && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.options.maxBatch);
      this.running++;
      void this.write(batch).finally(() => {
        this.running--;
        this.schedule();
        if (this.running === 0 && this.queue.length === 0 && this.idle) {
          const idle = this.idle;
          this.idle = null;
          idle();
        }
      });
    }
  }

  private async write(batch: Pending<I, O>[]): Promise<void> {
    try {
      const results = await this.run(batch.map((pending) => pending.item));
      for (let i = 0; i < batch.length; i++) batch[i].resolve(results[i]);
    } catch (error) {
      if (batch.length === 1 || !this.options.retryAlone?.(error)) {
        for (const pending of batch) pending.reject(error);
        return;
      }
      for (const pending of batch) {
        try {
          pending.resolve((await this.run([pending.item]))[0]);
        } catch (alone) {
          pending.reject(alone);
        }
      }
    }
  }
}
