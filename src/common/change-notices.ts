import { randomUUID } from 'node:crypto';
import { Injectable, Logger, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Client } from 'pg';
import { DatabaseLocation } from '../database/database.module';
import { Sql } from '../database/sql';
import { Batcher } from './batcher';

/** What one part of the app tells the others has changed, by kind. */
export interface ChangeNoticeTypes {
  /** The bot and everything of it are gone; nothing may be sent on its behalf again. */
  bot_deleted: { botId: string };
  api_key_created: { keyHash: string };
  api_key_revoked: { keyId: string };
  url_keys_rotated: { botId: string };
  /** Replaced, deleted or verified: whatever was known of it is stale. */
  connection_changed: { connectionId: string };
  /** The connection's shared circuit as it now stands; `failures` 0 means closed. */
  circuit_changed: { connectionId: string; failures: number; openUntil: number | null };
  /** Something waits in the bot's update queue: long polls for it look again. */
  update_ready: { botId: string };
  /** An invocation was written or changed status; readers fetch it again, so the notice stays small. */
  invocation_changed: { botId: string; id: string };
  /** An instance has event streams open, or no longer; `asks`: instances that have say so. */
  stream_watch: { instance: string; watching: boolean; asks?: boolean };
}

export type ChangeKind = keyof ChangeNoticeTypes;
type Listener<K extends ChangeKind> = (notice: ChangeNoticeTypes[K]) => void;

const CHANNEL = 'bothooks_changes';
const RECONNECT_MS = [100, 500, 1000, 2000, 5000];
/** A LISTEN connection cut without a FIN says nothing; a query now and then finds out. */
const PROBE_MS = 15_000;
/** Every instance's LISTEN connection goes by this name, so that a publisher can count them. */
const LISTENER_NAME = 'bothooks-notices';
/**
 * Changes after which the old state must not be served anywhere (a revoked key, a deleted bot, a changed
 * connection, a rotated URL key, a circuit that opened): their publisher waits until every other listening
 * instance says it has applied them, for at most CONFIRM_MS, so that a caller who got the answer finds them
 * in force everywhere. Only updates, the one notice on a hot path, go without.
 */
const CONFIRMED: ReadonlySet<ChangeKind> = new Set(['bot_deleted', 'api_key_revoked', 'connection_changed', 'url_keys_rotated', 'circuit_changed']);
const CONFIRM_MS = 1000;
/**
 * An invocation's changes feed the event streams (GET /v1/invocations/stream), which may be open on any
 * instance. They go to the other instances only while one of them has a stream open: a statement per batch
 * of calls on the receive path, for readers that are seldom there, is paid only when they are. An instance
 * with streams open says so when its first opens, every WATCH_BEAT_MS after, and when its last closes; one
 * that has not said so for WATCH_TTL_MS (stopped without a word) is taken to watch no more.
 */
const WATCH_BEAT_MS = 10_000;
const WATCH_TTL_MS = 30_000;

type Wire =
  /** `from` is the instance that published it, which has applied it already; `ack` asks for a confirmation. */
  | { from: string; kind: ChangeKind; notice: unknown; ack?: string }
  | { from: string; acked: string };

/**
 * Publish/subscribe for changes that caches must hear about at once. The module that makes a change
 * publishes; the modules that cache subscribe; neither imports the other. Listeners in this process run
 * before publish() returns. With a real Postgres the notice also goes out by NOTIFY (notices published
 * together share one statement) and every other instance applies it as it arrives, through one
 * connection of its own that LISTENs (and confirms the changes that must be in force everywhere before
 * they are answered). A notice missed while that connection was down is made good by
 * flushing every cache once it is back (subscribers' resync handlers), and by the caches' own TTLs. The
 * embedded database serves one instance, so there notices stay in process.
 */
@Injectable()
export class ChangeNotices implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('ChangeNotices');
  private readonly listeners = new Map<ChangeKind, Set<Listener<ChangeKind>>>();
  private readonly resyncs = new Set<() => void>();
  private readonly instance = randomUUID();
  private readonly outbox = new Batcher<string, void>((payloads) => this.send(payloads), { concurrency: 1, maxBatch: 200 });
  private client: Client | null = null;
  private clustered = false;
  private stopping = false;
  private reconnects = 0;
  private probe: NodeJS.Timeout | null = null;
  private readonly awaitingAcks = new Map<string, { acks: number; expected: number | null; done: () => void }>();
  /** The other instances with event streams open, by when they last said so. */
  private readonly watchers = new Map<string, number>();
  private watching = false;
  private watchBeat: NodeJS.Timeout | null = null;

  constructor(
    private readonly sql: Sql,
    private readonly location: DatabaseLocation,
  ) {
    this.subscribe('stream_watch', (notice) => this.heard(notice));
  }

  /**
   * Applies the change here, then tells the other instances. Resolves once the notice is sent; a failure
   * to send is logged, not thrown: the change itself is committed, and elsewhere the caches' TTLs apply.
   */
  async publish<K extends ChangeKind>(kind: K, notice: ChangeNoticeTypes[K]): Promise<void> {
    this.apply(kind, notice);
    if (!this.clustered || (kind === 'invocation_changed' && !this.othersWatch())) return;
    try {
      if (CONFIRMED.has(kind)) await this.sendConfirmed(kind, notice);
      else await this.outbox.submit(JSON.stringify({ from: this.instance, kind, notice } satisfies Wire));
    } catch (error) {
      this.logger.warn(`could not send a ${kind} notice: ${(error as Error).message}`);
    }
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

  /** Whether this instance has event streams open: while it has, the others send it their invocations' changes. */
  setWatching(watching: boolean): void {
    if (watching === this.watching) return;
    this.watching = watching;
    if (this.watchBeat) clearInterval(this.watchBeat);
    this.watchBeat = watching ? setInterval(() => this.announceWatch(false), WATCH_BEAT_MS).unref() : null;
    this.announceWatch(false);
  }

  private announceWatch(asks: boolean): void {
    if (this.clustered) void this.publish('stream_watch', { instance: this.instance, watching: this.watching, asks });
  }

  private heard({ instance, watching, asks }: ChangeNoticeTypes['stream_watch']): void {
    if (instance === this.instance) return;
    if (watching) this.watchers.set(instance, Date.now());
    else this.watchers.delete(instance);
    if (asks && this.watching) this.announceWatch(false);
  }

  private othersWatch(): boolean {
    for (const [instance, at] of this.watchers) {
      if (Date.now() - at < WATCH_TTL_MS) return true;
      this.watchers.delete(instance);
    }
    return false;
  }

  /** Called when notices may have been missed: the subscriber drops whatever it keeps. */
  onResync(flush: () => void): () => void {
    this.resyncs.add(flush);
    return () => this.resyncs.delete(flush);
  }

  async onModuleInit(): Promise<void> {
    if (this.location.isEmbedded) return;
    await this.listen();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    if (this.probe) clearInterval(this.probe);
    if (this.watchBeat) clearInterval(this.watchBeat);
    await this.outbox.drain();
    await this.client?.end().catch(() => undefined);
    this.client = null;
  }

  private apply(kind: ChangeKind, notice: unknown): void {
    for (const listener of this.listeners.get(kind) ?? []) listener(notice as ChangeNoticeTypes[ChangeKind]);
  }

  /** Sends the notice and, in the same statement, counts the other instances listening, then waits for their word. */
  private async sendConfirmed(kind: ChangeKind, notice: unknown): Promise<void> {
    const ack = randomUUID();
    let confirm!: () => void;
    const confirmed = new Promise<void>((resolve) => (confirm = resolve));
    const waiting = { acks: 0, expected: null as number | null, done: confirm };
    this.awaitingAcks.set(ack, waiting);
    try {
      const [{ listening }] = await this.sql.query<{ listening: number }>(
        `SELECT pg_notify($1, $2), (SELECT count(*)::int FROM pg_stat_activity WHERE application_name = $3 AND datname = current_database()) AS listening`,
        [CHANNEL, JSON.stringify({ from: this.instance, kind, notice, ack } satisfies Wire), LISTENER_NAME],
        'change_notices_send_confirmed',
      );
      // Acks may have come in while the count was on its way; this instance's own listener is not waited for.
      waiting.expected = listening - (this.client ? 1 : 0);
      if (waiting.acks >= waiting.expected) return;
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), CONFIRM_MS)));
      if (await Promise.race([confirmed.then(() => false), late])) this.logger.warn(`${waiting.expected - waiting.acks} instance(s) did not confirm a ${kind} notice within ${CONFIRM_MS} ms`);
      clearTimeout(timer);
    } finally {
      this.awaitingAcks.delete(ack);
    }
  }

  private async send(payloads: string[]): Promise<void[]> {
    await this.sql.query(`SELECT pg_notify($1, payload) FROM unnest($2::text[]) AS payload`, [CHANNEL, [...new Set(payloads)]], 'change_notices_send');
    return new Array<void>(payloads.length);
  }

  /** Connects the LISTEN connection; the first time, a failure stops the start like any database failure. */
  private async listen(): Promise<void> {
    const client = new Client({ connectionString: this.location.url, keepAlive: true, application_name: LISTENER_NAME });
    client.on('error', (error: Error) => {
      this.logger.warn(`change notices connection failed: ${error.message}`);
      this.lost(client);
    });
    client.on('end', () => this.lost(client));
    client.on('notification', (message) => this.receive(message.payload));
    try {
      await client.connect();
      const [{ version }] = (await client.query<{ version: string }>('SELECT version()')).rows;
      // The embedded database behind a socket is one session for every connection: one instance, in process.
      if (version.includes('PGlite')) {
        await client.end();
        return;
      }
      await client.query(`LISTEN ${CHANNEL}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    this.client = client;
    this.clustered = true;
    this.probe ??= setInterval(() => void this.client?.query('SELECT 1').catch(() => undefined), PROBE_MS).unref();
    // Whoever has streams open says so now: notices missed while this was not listening included theirs.
    this.announceWatch(true);
  }

  private receive(payload: string | undefined): void {
    if (!payload) return;
    let wire: Wire;
    try {
      wire = JSON.parse(payload) as Wire;
    } catch {
      return;
    }
    if (wire.from === this.instance) return;
    if ('acked' in wire) {
      const waiting = this.awaitingAcks.get(wire.acked);
      if (waiting && ++waiting.acks >= (waiting.expected ?? Infinity)) waiting.done();
      return;
    }
    this.apply(wire.kind, wire.notice);
    if (wire.ack) this.outbox.submit(JSON.stringify({ from: this.instance, acked: wire.ack } satisfies Wire)).catch(() => undefined);
  }

  private lost(client: Client): void {
    if (this.client !== client) return;
    this.client = null;
    if (this.stopping) return;
    client.end().catch(() => undefined);
    void this.reconnect();
  }

  private async reconnect(): Promise<void> {
    while (!this.stopping && !this.client) {
      await new Promise((resolve) => setTimeout(resolve, RECONNECT_MS[Math.min(this.reconnects, RECONNECT_MS.length - 1)]).unref());
      this.reconnects++;
      try {
        await this.listen();
      } catch (error) {
        this.logger.warn(`change notices: reconnecting failed: ${(error as Error).message}`);
        continue;
      }
      this.reconnects = 0;
      this.logger.log('change notices connection back; caches flushed');
      for (const flush of this.resyncs) flush();
    }
  }
}

/** Imported by publishers and subscribers alike; Nest makes one instance for all of them. */
@Module({ providers: [ChangeNotices], exports: [ChangeNotices] })
export class ChangeNoticesModule {}
