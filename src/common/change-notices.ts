import { Injectable, Module } from '@nestjs/common';

/** What one part of the app tells the others has changed, by kind. */
export interface ChangeNoticeTypes {
  /** The bot and everything of it are gone; nothing may be sent on its behalf again. */
  bot_deleted: { botId: string };
  /** An invocation was written or changed status; readers fetch it again, so the notice stays small. */
  invocation_changed: { botId: string; id: string };
}

export type ChangeKind = keyof ChangeNoticeTypes;
type Listener<K extends ChangeKind> = (notice: ChangeNoticeTypes[K]) => void;

/**
 * In-process publish/subscribe for changes that caches elsewhere must hear about at once. The module that
 * makes a change publishes; the modules that cache subscribe; neither imports the other.
 */
@Injectable()
export class ChangeNotices {
  private readonly listeners = new Map<ChangeKind, Set<Listener<ChangeKind>>>();

  /** Runs every listener before it returns, so the change is seen by the time the caller answers. */
  publish<K extends ChangeKind>(kind: K, notice: ChangeNoticeTypes[K]): void {
    for (const listener of this.listeners.get(kind) ?? []) listener(notice);
  }

  /** Returns the unsubscribe function. */
  subscribe<K extends ChangeKind>(kind: K, listener: Listener<K>): () => void {
    let set = this.listeners.get(kind);
    if (!set) {
      set = new Set();
      this.listeners.set(kind, set);
    }
    const entry = listener as Listener<ChangeKind>;
    set.add(entry);
    return () => set.delete(entry);
  }
}

/** Imported by publishers and subscribers alike; Nest makes one instance for all of them. */
@Module({ providers: [ChangeNotices], exports: [ChangeNotices] })
export class ChangeNoticesModule {}
