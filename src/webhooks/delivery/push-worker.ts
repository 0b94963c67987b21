import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import type { ConfigType } from '../../config/section';
import { webhooksConfig } from '../../config/webhooks.config';
import { ChangeNotices } from '../../common/change-notices';
import { SecretBox } from '../../common/secret-box';
import { Sql } from '../../database/sql';
import { idsTimeRange } from '../../common/ids';
import { PushAttempt, PushJob, PushQueue } from './push-queue';
import { storableText } from '../../common/storable-text';
import { RuntimeClient } from './runtime-client';
import { GONE_ERROR } from './runtime-reply';
import { nextDelayMs, retryDelayMs } from './retry-delay';
import { ConversationCall, ConversationTurns, conversationOf } from './conversation-turns';
import { readStoredMessage, storedRowColumns, type StoredRow } from '../shared/runtime-message';
import { UpdateSignal } from '../updates/update-signal';

interface DueRow extends StoredRow {
  attempts: number;
  retry_step: number;
  runtime_url: string | null;
  signing_secret: string;
  /** Set when the bot keeps its conversations in order and the call belongs to one. */
  conversation: string | null;
  order_free: boolean;
  order_held_since: Date | null;
}

/** Well inside a job's expiry (the runtime timeout plus ABANDONED_AFTER_SECONDS), after which it would be run again. */
const CHAIN_MS = 5000;

interface Settlement {
  id: string;
  receivedAt: Date;
  route: 'push' | 'pull';
  status: 'queued' | 'delivered' | 'failed';
  attempted: number;
  httpStatus: number | null;
  answer: string | null;
  error: string | null;
  retryStep: number;
  nextAttemptAt: Date | null;
  finishedAt: Date | null;
}

const SETTLE = `
  UPDATE invocations AS i SET
    route = u.route, status = u.status, attempts = i.attempts + u.attempted,
    http_status = CASE WHEN u.attempted > 0 THEN u.http_status ELSE i.http_status END,
    answer = u.answer, error = u.error, retry_step = u.retry_step, next_attempt_at = u.next_attempt_at, finished_at = u.finished_at,
    order_held_since = CASE WHEN u.status = 'queued' AND u.attempted > 0 THEN COALESCE(i.order_held_since, now()) ELSE i.order_held_since END
  FROM unnest($1::uuid[], $2::varchar[], $3::varchar[], $4::int[], $5::int[], $6::text[], $7::text[], $8::int[], $9::timestamptz[], $10::timestamptz[], $11::timestamptz[])
    AS u(id, route, status, attempted, http_status, answer, error, retry_step, next_attempt_at, finished_at, received_at)
  WHERE i.id = u.id AND i.received_at = u.received_at AND i.status = 'queued'`;

/**
 * Async deliveries: each attempt posts the §3.4 message, put together again from the row, to the runtime; a failure is retried after
 * the next RETRY_SCHEDULE delay (with jitter, see retryDelayMs), or later when the runtime asks with
 * Retry-After, until the schedule runs out or the runtime answers 410 and the invocation is `failed`.
 * Delivery is at least once: the runtime drops repeats by `webhook-id`. Calls of one conversation of a
 * bot that keeps order go one at a time, in order (ConversationTurns).
 */
@Injectable()
export class PushWorker implements OnModuleInit {
  constructor(
    private readonly sql: Sql,
    private readonly queue: PushQueue,
    private readonly runtime: RuntimeClient,
    private readonly turns: ConversationTurns,
    private readonly updates: UpdateSignal,
    private readonly secrets: SecretBox,
    @Inject(webhooksConfig.KEY) private readonly config: ConfigType<typeof webhooksConfig>,
    private readonly notices: ChangeNotices,
  ) {}

  /** Before any bootstrap hook, so that the sweeper's first run at start can already queue jobs. */
  onModuleInit(): Promise<void> {
    return this.queue.start((jobs) => this.deliver(jobs));
  }

  private async deliver(jobs: PushJob[]): Promise<void> {
    const schedules = new Map<string, number[]>();
    const handedOn = jobs.filter((job) => job.data.turnOf);
    for (const job of jobs) if (!job.data.turnOf) schedules.set(job.data.invocationId, job.data.schedule);
    if (handedOn.length > 0) {
      for (const id of await this.turns.pass([], handedOn.map((job) => job.data.turnOf!))) schedules.set(id, schedules.get(id) ?? handedOn[0].data.schedule);
    }
    // The turn passes straight to the conversation's next call, in this worker, for as long as a job may
    // stay active; past that the next calls get jobs of their own.
    const chainUntil = Date.now() + CHAIN_MS;
    let ids = [...schedules.keys()];
    while (ids.length > 0) {
      const next = await this.round(ids, schedules);
      if (Date.now() >= chainUntil) {
        await this.queue.schedule(next.map((id) => ({ invocationId: id, attempt: 0, schedule: schedules.get(id), fresh: true })));
        return;
      }
      ids = next;
    }
  }

  /** Attempts what is due among `ids`; returns the calls whose conversation's turn it now is. */
  private async round(ids: string[], schedules: Map<string, number[]>): Promise<string[]> {
    // Only what is still waiting: a repeated job for an attempt already made finds nothing to do. The
    // ids' times bound the partitions read.
    const due = await this.sql.query<DueRow>(
      `SELECT ${storedRowColumns('i.')}, i.attempts, i.retry_step, b.runtime_url, b.signing_secret,
              CASE WHEN b.ordering = 'conversation' THEN ${conversationOf('i')} END AS conversation, i.order_free, i.order_held_since
         FROM invocations i JOIN bots b ON b.id = i.bot_id
        WHERE i.id = ANY($1::uuid[]) AND i.received_at BETWEEN $2 AND $3 AND i.status = 'queued' AND i.route = 'push'`,
      [ids, ...idsTimeRange(ids)],
      'push_due',
    );
    const ordered: ConversationCall[] = due.filter((row) => row.conversation !== null).map((row) => ({ id: row.id, botId: row.bot_id, conversation: row.conversation! }));
    const turnsTaken = await this.turns.claim(ordered);
    // A call whose turn it is not waits: whoever holds the turn hands it on when done.
    const attempted = due.filter((row) => row.conversation === null || turnsTaken.has(row.id)).map((row) => ({ ...row, ...turnsTaken.get(row.id) }));
    const settlements = await Promise.all(attempted.map((row) => this.attempt(row, schedules.get(row.id) ?? this.config.retryScheduleSeconds)));
    const retries: PushAttempt[] = [];
    for (let i = 0; i < attempted.length; i++) {
      const s = settlements[i];
      const row = attempted[i];
      if (s.status !== 'queued' || s.route !== 'push') continue;
      retries.push({ invocationId: s.id, attempt: row.attempts + 2, at: s.nextAttemptAt!, schedule: schedules.get(s.id), fresh: row.conversation !== null });
      const holdEnds = this.holdEnd(row);
      if (holdEnds !== null && holdEnds.getTime() > Date.now() && holdEnds < s.nextAttemptAt!) {
        retries.push({ invocationId: s.id, attempt: 0, at: holdEnds, schedule: schedules.get(s.id), turnOf: { botId: row.bot_id, conversation: row.conversation! } });
      }
    }
    // The failed attempt is recorded before its retry is queued. The other way round, a short retry delay
    // let a worker take the retry while the row still showed the attempt before, try again at once, and queue
    // its own retry under the job id already taken, so the call waited for the sweeper. A crash between the
    // two leaves a queued row whose time has come and no job: the sweeper queues it again.
    await this.settle(settlements);
    for (const row of attempted) void this.notices.publish('invocation_changed', { botId: row.bot_id, id: row.id });
    await this.queue.schedule(retries);
    for (let i = 0; i < attempted.length; i++) if (settlements[i].route === 'pull') this.updates.notify(attempted[i].bot_id);
    return this.turns.pass([...turnsTaken.keys()]);
  }

  /** When an ordered call that failed stops holding its conversation up; null when it does not hold it. */
  private holdEnd(row: DueRow): Date | null {
    if (row.conversation === null || row.order_free) return null;
    const since = row.order_held_since?.getTime() ?? Date.now();
    return new Date(since + this.config.orderHoldSeconds * 1000);
  }

  private async attempt(row: DueRow, schedule: number[]): Promise<Settlement> {
    const base = { id: row.id, receivedAt: row.received_at, route: 'push' as const, answer: null, retryStep: row.retry_step, nextAttemptAt: null, finishedAt: null };
    // The bot lost its runtime since the call arrived: the invocation waits in its update queue instead.
    if (row.runtime_url === null) return { ...base, route: 'pull', status: 'queued', attempted: 0, httpStatus: null, error: null };
    const outcome = await this.runtime.deliver({ botId: row.bot_id, runtimeUrl: row.runtime_url, signingSecretSealed: row.signing_secret }, row.id, readStoredMessage(row, this.secrets));
    if (outcome.ok) {
      return { ...base, status: 'delivered', attempted: 1, httpStatus: outcome.httpStatus, answer: outcome.messages.at(-1) ?? null, error: null, finishedAt: new Date() };
    }
    const delayMs = outcome.error === GONE_ERROR ? null : retryDelayMs(schedule, row.retry_step);
    if (delayMs === null) {
      return { ...base, status: 'failed', attempted: 1, httpStatus: outcome.httpStatus, error: outcome.error, finishedAt: new Date() };
    }
    const waitMs = nextDelayMs(delayMs, outcome.retryAfterMs, schedule);
    return { ...base, status: 'queued', attempted: 1, httpStatus: outcome.httpStatus, error: outcome.error, retryStep: row.retry_step + 1, nextAttemptAt: new Date(Date.now() + waitMs) };
  }

  private async settle(settlements: Settlement[]): Promise<void> {
    if (settlements.length === 0) return;
    await this.sql.query(
      SETTLE,
      [
        settlements.map((s) => s.id),
        settlements.map((s) => s.route),
        settlements.map((s) => s.status),
        settlements.map((s) => s.attempted),
        settlements.map((s) => s.httpStatus),
        settlements.map((s) => storableText(s.answer)),
        settlements.map((s) => storableText(s.error)),
        settlements.map((s) => s.retryStep),
        settlements.map((s) => s.nextAttemptAt),
        settlements.map((s) => s.finishedAt),
        settlements.map((s) => s.receivedAt),
      ],
      'push_settle',
    );
  }
}
