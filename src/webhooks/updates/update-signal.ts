import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';

const STOP_SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/**
 * Wakes long polls of a bot's update queue the moment this instance commits something for it. Pollers
 * also look again every second on their own, which is how they learn of calls received by other
 * instances; LISTEN/NOTIFY would do that too, but does not pass through the embedded database's socket.
 */
@Injectable()
export class UpdateSignal implements OnModuleInit, OnModuleDestroy {
  private readonly waiting = new Map<string, Set<() => void>>();
  private stopping = false;
  // On a stop signal the server waits for requests in flight before it closes the app; a long poll must
  // answer at once then, not hold the shutdown for up to 50 seconds.
  private readonly stop = () => this.stopWaiting();

  get stopped(): boolean {
    return this.stopping;
  }

  notify(botId: string): void {
    const wakers = this.waiting.get(botId);
    if (!wakers) return;
    this.waiting.delete(botId);
    for (const wake of wakers) wake();
  }

  /** Resolves on notify(botId), after ms, on abort, or when the app stops, whichever comes first. */
  wait(botId: string, ms: number, abort: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (this.stopping || abort.aborted) return resolve();
      let wakers = this.waiting.get(botId);
      if (!wakers) this.waiting.set(botId, (wakers = new Set()));
      const done = () => {
        clearTimeout(timer);
        abort.removeEventListener('abort', done);
        this.waiting.get(botId)?.delete(done);
        if (this.waiting.get(botId)?.size === 0) this.waiting.delete(botId);
        resolve();
      };
      const timer = setTimeout(done, ms);
      abort.addEventListener('abort', done);
      wakers.add(done);
    });
  }

  onModuleInit(): void {
    for (const signal of STOP_SIGNALS) process.once(signal, this.stop);
  }

  onModuleDestroy(): void {
    for (const signal of STOP_SIGNALS) process.removeListener(signal, this.stop);
    this.stopWaiting();
  }

  private stopWaiting(): void {
    this.stopping = true;
    for (const botId of [...this.waiting.keys()]) this.notify(botId);
  }
}
