import { Injectable, OnModuleInit } from '@nestjs/common';
import { ChangeNotices } from '../../common/change-notices';
import { SecretBox } from '../../common/secret-box';
import { Sql } from '../../database/sql';
import { PushAttempt, PushJob, PushQueue } from './push-queue';
import { storableText } from '../../common/storable-text';
import { RuntimeClient } from './runtime-client';
import { retryDelayMs } from './retry-delay';
import { readStoredMessage } from '../shared/runtime-message';
import { UpdateSignal } from '../updates/update-signal';

interface DueRow {
  id: string;
  bot_id: string;
  payload: string;
  body: Buffer | null;
  sealed: string | null;
  attempts: number;
  retry_step: number;
  runtime_url: string | null;
  signing_secret: string;
}

interface Settlement {
  id: string;
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
    answer = u.answer, error = u.error, retry_step = u.retry_step, next_attempt_at = u.next_attempt_at, finished_at = u.finished_at
  FROM unnest($1::uuid[], $2::varchar[], $3::varchar[], $4::int[], $5::int[], $6::text[], $7::text[], $8::int[], $9::timestamptz[], $10::timestamptz[])
    AS u(id, route, status, attempted, http_status, answer, error, retry_step, next_attempt_at, finished_at)
  WHERE i.id = u.id AND i.status = 'queued'`;

/**
 * Async deliveries: each attempt posts the §3.4 message, put together again from the row, to the runtime; a failure is retried after
 * the next RETRY_SCHEDULE delay (with jitter, see retryDelayMs) until the
 * schedule runs out and the invocation is `failed`. Delivery is at least once: the runtime drops repeats
 * by `webhook-id`.
 */
@Injectable()
export class PushWorker implements OnModuleInit {
  constructor(
    private readonly sql: Sql,
    private readonly queue: PushQueue,
    private readonly runtime: RuntimeClient,
    private readonly updates: UpdateSignal,
    private readonly secrets: SecretBox,
    private readonly notices: ChangeNotices,
  ) {}

  /** Before any bootstrap hook, so that the sweeper's first run at start can already queue jobs. */
  onModuleInit(): Promise<void> {
    return this.queue.start((jobs) => this.deliver(jobs));
  }

  private async deliver(jobs: PushJob[]): Promise<void> {
    const schedules = new Map(jobs.map((job) => [job.data.invocationId, job.data.schedule]));
    const ids = [...schedules.keys()];
    // Only what is still waiting: a repeated job for an attempt already made finds nothing to do.
    const due = await this.sql.query<DueRow>(
      `SELECT i.id, i.bot_id, i.payload, i.body, i.sealed, i.attempts, i.retry_step, b.runtime_url, b.signing_secret
         FROM invocations i JOIN bots b ON b.id = i.bot_id
        WHERE i.id = ANY($1::uuid[]) AND i.status = 'queued' AND i.route = 'push'`,
      [ids],
      'push_due',
    );
    const settlements = await Promise.all(due.map((row) => this.attempt(row, schedules.get(row.id)!)));
    const retries: PushAttempt[] = [];
    for (let i = 0; i < due.length; i++) {
      const s = settlements[i];
      if (s.status === 'queued' && s.route === 'push') retries.push({ invocationId: s.id, attempt: due[i].attempts + 2, at: s.nextAttemptAt!, schedule: schedules.get(s.id) });
    }
    // The failed attempt is recorded before its retry is queued. The other way round, a short retry delay
    // let a worker take the retry while the row still showed the attempt before, try again at once, and queue
    // its own retry under the job id already taken, so the call waited for the sweeper. A crash between the
    // two leaves a queued row whose time has come and no job: the sweeper queues it again.
    await this.settle(settlements);
    for (let i = 0; i < due.length; i++) this.notices.publish('invocation_changed', { botId: due[i].bot_id, id: due[i].id });
    await this.queue.schedule(retries);
    for (let i = 0; i < due.length; i++) if (settlements[i].route === 'pull') this.updates.notify(due[i].bot_id);
  }

  private async attempt(row: DueRow, schedule: number[]): Promise<Settlement> {
    const base = { id: row.id, route: 'push' as const, answer: null, retryStep: row.retry_step, nextAttemptAt: null, finishedAt: null };
    // The bot lost its runtime since the call arrived: the invocation waits in its update queue instead.
    if (row.runtime_url === null) return { ...base, route: 'pull', status: 'queued', attempted: 0, httpStatus: null, error: null };
    const outcome = await this.runtime.deliver({ botId: row.bot_id, runtimeUrl: row.runtime_url, signingSecretSealed: row.signing_secret }, row.id, readStoredMessage(row, this.secrets));
    if (outcome.ok) {
      return { ...base, status: 'delivered', attempted: 1, httpStatus: outcome.httpStatus, answer: outcome.messages.at(-1) ?? null, error: null, finishedAt: new Date() };
    }
    const delayMs = retryDelayMs(schedule, row.retry_step);
    if (delayMs === null) {
      return { ...base, status: 'failed', attempted: 1, httpStatus: outcome.httpStatus, error: outcome.error, finishedAt: new Date() };
    }
    return { ...base, status: 'queued', attempted: 1, httpStatus: outcome.httpStatus, error: outcome.error, retryStep: row.retry_step + 1, nextAttemptAt: new Date(Date.now() + delayMs) };
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
      ],
      'push_settle',
    );
  }
}
