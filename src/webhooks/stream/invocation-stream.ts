import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import type { Response } from 'express';
import { canSeeBot, Principal } from '../../auth/principal';
import { ChangeNotices } from '../../common/change-notices';
import { consoleConfig } from '../../config/console.config';
import type { ConfigType } from '../../config/section';
import { InvocationsService } from '../invocations/invocations.service';
import type { InvocationView } from '../invocations/invocations.dto';

interface Subscriber {
  principal: Principal;
  /** Only this bot's invocations; undefined (an admin key without botId) is every bot's. */
  botId: string | undefined;
  res: Response;
}

/**
 * Server-sent events of invocations as they arrive and change status (contract §3.3). A change notice
 * carries only the id; the invocation is read back once for all open streams, so every stream shows the
 * row as it is stored. Reads run one at a time, in the order the notices came, so a later state is never
 * overtaken by an earlier one; ids that pile up meanwhile are read together.
 */
@Injectable()
export class InvocationStream implements OnModuleDestroy {
  private readonly subscribers = new Set<Subscriber>();
  private readonly pending = new Set<string>();
  private reading: Promise<void> | null = null;
  private readonly unsubscribe: () => void;
  private readonly heartbeat: NodeJS.Timeout;

  constructor(
    private readonly invocations: InvocationsService,
    private readonly notices: ChangeNotices,
    @Inject(consoleConfig.KEY) config: ConfigType<typeof consoleConfig>,
  ) {
    this.unsubscribe = notices.subscribe('invocation_changed', ({ botId, id }) => {
      if (this.wanted(botId)) this.queue(id);
    });
    // Keeps proxies and the browser from closing a stream that has had nothing to say.
    this.heartbeat = setInterval(() => this.broadcast(': keep-alive\n\n'), config.streamHeartbeatMs);
    this.heartbeat.unref();
  }

  open(principal: Principal, botId: string | undefined, res: Response): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    // Says the stream is open at once, before any invocation comes.
    res.write(': open\n\n');
    const subscriber: Subscriber = { principal, botId, res };
    this.subscribers.add(subscriber);
    // Changes made on other instances reach this one only while it has streams open.
    this.notices.setWatching(true);
    res.on('close', () => {
      this.subscribers.delete(subscriber);
      if (this.subscribers.size === 0) this.notices.setWatching(false);
    });
  }

  onModuleDestroy(): void {
    this.unsubscribe();
    clearInterval(this.heartbeat);
    this.notices.setWatching(false);
    for (const { res } of this.subscribers) res.end();
    this.subscribers.clear();
  }

  private wanted(botId: string): boolean {
    for (const s of this.subscribers) if (sees(s, botId)) return true;
    return false;
  }

  private queue(id: string): void {
    this.pending.add(id);
    this.reading ??= this.readPending().finally(() => (this.reading = null));
  }

  private async readPending(): Promise<void> {
    while (this.pending.size > 0) {
      const ids = [...this.pending];
      this.pending.clear();
      let views: InvocationView[];
      try {
        views = await this.invocations.views(ids);
      } catch {
        // The database is away: the streams miss these changes, as a reader polling the list would.
        continue;
      }
      for (const view of views) {
        const event = `event: invocation\nid: ${view.id}\ndata: ${JSON.stringify(view)}\n\n`;
        for (const s of this.subscribers) if (sees(s, view.botId)) s.res.write(event);
      }
    }
  }

  private broadcast(text: string): void {
    for (const { res } of this.subscribers) res.write(text);
  }
}

function sees(subscriber: Subscriber, botId: string): boolean {
  if (!canSeeBot(subscriber.principal, botId)) return false;
  return subscriber.botId === undefined || subscriber.botId === botId;
}
