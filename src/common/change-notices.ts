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
}

export type ChangeKind = keyof ChangeNoticeTypes;
type Listener<K extends ChangeKind> = (notice: ChangeNoticeTypes[K]) => void;

const CHANNEL = 'bothooks_changes';
const RECONNECT_MS = [100, 500, 1000, 2000, 5000];
/** A LISTEN connection cut without a FIN says nothing; a query now and then finds out. */
const PROBE_MS = 15_000;

interface Wire {
  /** The instance that published it, which has applied it already. */
  from: string;
  kind: ChangeKind;
  notice: unknown;
}

/**
 * Publish/subscribe for changes that caches must hear about at once. The module that makes a change
 * publishes; the modules that cache subscribe; neither imports the other. Listeners in this process run
 * before publish() returns. With a real Postgres the notice also goes out by NOTIFY (notices published
 * together share one statement) and every other instance applies it as it arrives, through one
 * connection of its own that LISTENs. A notice missed while that connection was down is made good by
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

  constructor(
    private readonly sql: Sql,
    private readonly location: DatabaseLocation,
  ) {}

  /**
   * Applies the change here, then tells the other instances. Resolves once the notice is sent; a failure
   * to send is logged, not thrown: the change itself is committed, and elsewhere the caches' TTLs apply.
   */
  async publish<K extends ChangeKind>(kind: K, notice: ChangeNoticeTypes[K]): Promise<void> {
    this.apply(kind, notice);
    if (!this.clustered) return;
    const wire: Wire = { from: this.instance, kind, notice };
    await this.outbox.submit(JSON.stringify(wire)).catch((error: Error) => this.logger.warn(`could not send a ${kind} notice: ${error.message}`));
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
    await this.outbox.drain();
    await this.client?.end().catch(() => undefined);
    this.client = null;
  }

  private apply(kind: ChangeKind, notice: unknown): void {
    for (const listener of this.listeners.get(kind) ?? []) listener(notice as ChangeNoticeTypes[ChangeKind]);
  }

  private async send(payloads: string[]): Promise<void[]> {
    await this.sql.query(`SELECT pg_notify($1, payload) FROM unnest($2::text[]) AS payload`, [CHANNEL, [...new Set(payloads)]], 'change_notices_send');
    return new Array<void>(payloads.length);
  }

  /** Connects the LISTEN connection; the first time, a failure stops the start like any database failure. */
  private async listen(): Promise<void> {
    const client = new Client({ connectionString: this.location.url, keepAlive: true, application_name: 'bothooks-notices' });
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
    this.apply(wire.kind, wire.notice);
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
