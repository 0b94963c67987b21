import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ConfigType } from '../../config/section';
import { webhooksConfig } from '../../config/webhooks.config';
import { ChangeNotices } from '../../common/change-notices';
import { idTimeRange } from '../../common/ids';
import { storableText } from '../../common/storable-text';
import { Sql } from '../../database/sql';
import { PushQueue } from '../delivery/push-queue';
import { nextDelayMs, retryDelayMs } from '../delivery/retry-delay';
import type { RuntimeOutcome } from '../delivery/runtime-reply';
import { GONE_ERROR } from '../delivery/runtime-reply';

/** What the caller of an auto URL gets at the deadline. */
export const pendingBody = (invocationId: string): string => `{"accepted":true,"invocationId":"${invocationId}","pending":true}`;
const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * Turns an auto call (§3.2) whose runtime has not answered by its deadline into an async one, the same
 * invocation and the same attempt still under way. Its row shows it waiting for a background attempt due
 * when that attempt's own timeout is over, so that if this instance dies meanwhile the sweeper takes it
 * up. An idempotency key keeps replaying the 202 the caller was given: that is the first outcome, and the
 * late answer is the invocation's to show.
 */
const FALL_BACK = `
  UPDATE invocations SET route = 'push', status = 'queued', next_attempt_at = now() + $2::int * interval '1 millisecond',
         reply_status = CASE WHEN $5::boolean THEN 202 END,
         reply_headers = CASE WHEN $5::boolean THEN $3::jsonb END,
         reply_body = CASE WHEN $5::boolean THEN $4 END
   WHERE id = $1 AND received_at BETWEEN $6 AND $7 AND status = 'received'`;

const SETTLE_LATE = `
  UPDATE invocations SET status = $2, http_status = $3, answer = $4, error = $5, attempts = attempts + 1,
         retry_step = $6, next_attempt_at = $7, finished_at = $8
   WHERE id = $1 AND received_at BETWEEN $9 AND $10 AND status = 'queued'`;

export interface AutoCall {
  id: string;
  botId: string;
  deadlineMs: number;
  idempotent: boolean;
}

@Injectable()
export class AutoFallback {
  private readonly logger = new Logger('AutoFallback');

  constructor(
    private readonly sql: Sql,
    private readonly queue: PushQueue,
    private readonly notices: ChangeNotices,
    @Inject(webhooksConfig.KEY) private readonly config: ConfigType<typeof webhooksConfig>,
  ) {}

  /**
   * The runtime's outcome if it came within the call's deadline; else 'pending', the call now going on as
   * async. `idempotent`: the call came with an idempotency key, whose repeats are to replay the 202.
   */
  async within(call: AutoCall, delivery: Promise<RuntimeOutcome>): Promise<RuntimeOutcome | 'pending'> {
    const { id: invocationId, deadlineMs, idempotent } = call;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), deadlineMs)));
    const first = await Promise.race([delivery, late]);
    clearTimeout(timer);
    if (first !== 'late') return first;
    await this.sql.query(FALL_BACK, [invocationId, this.config.runtimeTimeoutMs - deadlineMs, JSON.stringify({ 'content-type': JSON_TYPE }), pendingBody(invocationId), idempotent, ...idTimeRange(invocationId)], 'auto_fall_back');
    void this.notices.publish('invocation_changed', { botId: call.botId, id: invocationId });
    delivery
      .then((outcome) => this.settleLate(call, outcome))
      .catch((error: Error) => this.logger.warn(`settling auto invocation ${invocationId} failed; the sweeper will retry it: ${error.message}`));
    return 'pending';
  }

  /** A late answer settles the call as answered; a late failure is retried like any async call. */
  private async settleLate(call: AutoCall, outcome: RuntimeOutcome): Promise<void> {
    await this.settleLateRow(call.id, outcome);
    void this.notices.publish('invocation_changed', { botId: call.botId, id: call.id });
  }

  private async settleLateRow(id: string, outcome: RuntimeOutcome): Promise<void> {
    const range = idTimeRange(id);
    if (outcome.ok) {
      await this.sql.query(SETTLE_LATE, [id, 'answered', outcome.httpStatus, storableText(outcome.messages.at(-1) ?? null), null, 0, null, new Date(), ...range], 'auto_settle');
      return;
    }
    const schedule = this.config.retryScheduleSeconds;
    const delayMs = outcome.error === GONE_ERROR ? null : retryDelayMs(schedule, 0);
    if (delayMs === null) {
      await this.sql.query(SETTLE_LATE, [id, 'failed', outcome.httpStatus, null, storableText(outcome.error), 0, null, new Date(), ...range], 'auto_settle');
      return;
    }
    const at = new Date(Date.now() + nextDelayMs(delayMs, outcome.retryAfterMs, schedule));
    await this.sql.query(SETTLE_LATE, [id, 'queued', outcome.httpStatus, null, storableText(outcome.error), 1, at, null, ...range], 'auto_settle');
    await this.queue.schedule([{ invocationId: id, attempt: 2, at, schedule, fresh: true }]);
  }
}
