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
  private readonly waiting = new Map<string, Set<Listener>>();
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
    for (const listener of this.waiting.get(botId) ?? []) listener.wake();
  }

  /**
   * Listens for the bot's notices from now on, until closed: a poll takes this before it reads the queue,
   * so that a notice arriving between its read and its wait still cuts the wait short.
   */
  listen(botId: string, abort: AbortSignal): Listener {
    const listener = new Listener(() => this.stopping || abort.aborted);
    let listeners = this.waiting.get(botId);
    if (!listeners) this.waiting.set(botId, (listeners = new Set()));
    listeners.add(listener);
    const onAbort = () => listener.wake();
    abort.addEventListener('abort', onAbort);
    listener.closed = () => {
      abort.removeEventListener('abort', onAbort);
      listeners.delete(listener);
      if (listeners.size === 0 && this.waiting.get(botId) === listeners) this.waiting.delete(botId);
    };
    return listener;
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

/** One poll's ear for its bot's notices (UpdateSignal.listen). */
export class Listener {
  private heard = false;
  private resolve: (() => void) | undefined;
  closed: () => void = () => undefined;

  constructor(private readonly over: () => boolean) {}

  /** Resolves at the first notice since the last wait (at once if one came meanwhile), after ms, or on abort or stop. */
  wait(ms: number): Promise<void> {
    if (this.heard || this.over()) {
      this.heard = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.settle(), ms);
      this.resolve = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  wake(): void {
    if (this.resolve) this.settle();
    else this.heard = true;
  }

  close(): void {
    this.settle();
    this.closed();
  }

  private settle(): void {
    const resolve = this.resolve;
    this.resolve = undefined;
    this.heard = false;
    resolve?.();
  }
}
