import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { ChangeNotices } from '../../common/change-notices';

const STOP_SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/**
 * Wakes long polls of a bot's update queue the moment any instance commits something for it: the notice
 * wakes the polls here at once and reaches the other instances (§3.5). Pollers also look again every
 * second on their own, in case a notice was missed.
 */
@Injectable()
export class UpdateSignal implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('UpdateSignal');
  private readonly waiting = new Map<string, Set<() => void>>();
  private stopping = false;
  // On a stop signal the server waits for requests in flight before it closes the app; a long poll must
  // answer at once then, not hold the shutdown for up to 50 seconds.
  private readonly stop = () => this.stopWaiting();

  constructor(private readonly notices: ChangeNotices) {
    notices.subscribe('update_ready', ({ botId }) => this.wake(botId));
    notices.onResync(() => {
      for (const botId of [...this.waiting.keys()]) this.wake(botId);
    });
  }

  get stopped(): boolean {
    return this.stopping;
  }

  /** Something was committed to the bot's update queue. Does not wait for the other instances to hear. */
  notify(botId: string): void {
    this.notices.publish('update_ready', { botId }).catch((error: Error) => this.logger.warn(`update notice failed: ${error.message}`));
  }

  private wake(botId: string): void {
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
    for (const botId of [...this.waiting.keys()]) this.wake(botId);
  }
}
