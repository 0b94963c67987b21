import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { Principal } from '../auth/principal';
import { Batcher } from '../common/batcher';
import { ChangeNotices } from '../common/change-notices';
import { isDatabaseUnavailable } from '../common/database-errors';
import { AppError } from '../common/errors';
import { uuidv7 } from '../common/ids';
import { refuse } from './connection-refusals';
import { OutboundClient, OutboundError } from '../common/outbound/outbound-client';
import { Sql } from '../database/sql';
import { MetricsService } from '../metrics/metrics.service';
import { ResponseValidator } from '../responses/response-validator';
import { Circuits } from './circuits';
import { ConnectionCache } from './connection-cache';
import { DispatchOutcome, judgeFailure, judgeResponse, MAX_REPLY_BYTES } from './dispatch-outcome';
import { parseDispatchRequest } from './dispatch-request';
import type { DispatchResultView } from './dto/dispatch.dto';
import type { PreparedConnection } from './prepared-connection';

/*
 * The delivery and the connection's `error` are written together, after the backend answered, and
 * dispatches that finish together share the statement (group commit): one round trip and one commit for
 * all of them, before any of them is answered. The UPDATE sets each connection's `error` from its latest
 * delivery in the batch and touches the row only when that really changes, so a healthy connection's row
 * is never rewritten. Joining `connections` makes a connection deleted meanwhile insert nothing instead of
 * failing on the foreign key.
 */
const RECORD_DELIVERIES = `
  WITH input AS (
    SELECT * FROM unnest($1::uuid[], $2::varchar[], $3::varchar[], $4::int[], $5::int[], $6::text[], $7::jsonb[], $8::text[], $9::text[], $10::text[])
      WITH ORDINALITY AS t(id, connection_id, status, http_status, duration_ms, request_url, request_headers, request_body, error, response_body, ord)
  ),
  latest AS (
    SELECT DISTINCT ON (connection_id) connection_id, error FROM input ORDER BY connection_id, ord DESC
  ),
  touched AS (
    UPDATE connections c SET error = l.error FROM latest l WHERE c.id = l.connection_id AND c.error IS DISTINCT FROM l.error
  )
  INSERT INTO connection_deliveries
    (id, connection_id, bot_id, status, http_status, duration_ms, error, request_url, request_headers, request_body, response_body)
  SELECT i.id, c.id, c.bot_id, i.status, i.http_status, i.duration_ms, i.error, i.request_url, i.request_headers, i.request_body, i.response_body
  FROM input i JOIN connections c ON c.id = i.connection_id
  RETURNING id`;

/** Replies may be 64 KiB each, so a batch stays well under a few MiB. */
const BATCHING = { concurrency: 2, maxBatch: 32, retryAlone: (error: unknown) => !isDatabaseUnavailable(error) };

interface DeliveryRecord {
  id: string;
  connectionId: string;
  status: 'succeeded' | 'failed';
  httpStatus: number | null;
  durationMs: number;
  requestUrl: string;
  requestHeaders: string;
  requestBody: string;
  error: string | null;
  responseBody: string | null;
}

/**
 * POST …/:id/dispatch, top to bottom: find the connection (memory), refuse when unverified or the circuit is
 * open, sign and send, judge the reply, record the delivery and the connection's error (group-committed),
 * answer. Nothing touches the database before the backend is called.
 */
@Injectable()
export class DispatchService {
  /** Says, for each delivery, whether it was written (false: its connection was deleted meanwhile). */
  private readonly recorder = new Batcher<DeliveryRecord, boolean>((records) => this.recordBatch(records), BATCHING);

  constructor(
    private readonly cache: ConnectionCache,
    private readonly client: OutboundClient,
    private readonly validator: ResponseValidator,
    private readonly sql: Sql,
    private readonly metrics: MetricsService,
    private readonly circuits: Circuits,
    private readonly notices: ChangeNotices,
  ) {}

  async dispatch(principal: Principal, id: string, input: unknown): Promise<DispatchResultView> {
    const dto = parseDispatchRequest(input);
    const connection = await this.find(principal, id);
    // The field order is chatbot.com's; absent optional values go out as null so every backend sees one shape.
    const body = JSON.stringify({
      chatId: dto.chatId,
      messageId: dto.messageId ?? randomUUID(),
      userId: dto.userId,
      externalId: dto.externalId ?? null,
      node: { id: dto.node?.id ?? null, name: dto.node?.name ?? null, type: 'WEBHOOK', webhookId: connection.id, webhookName: connection.name },
      userAttributes: dto.userAttributes ?? {},
      attributes: dto.attributes ?? {},
    });
    return this.send(connection, body);
  }

  /** The connection as the principal may see it; another bot's is as absent as an unknown one. */
  async find(principal: Principal, id: string): Promise<PreparedConnection> {
    const connection = await this.cache.get(id);
    if (!connection || (principal.kind === 'bot' && principal.botId !== connection.botId)) throw notFound(id);
    return connection;
  }

  /** Sends one request body as a new delivery and answers as a dispatch does (retries come here too). */
  async send(connection: PreparedConnection, body: string): Promise<DispatchResultView> {
    if (connection.verification === 'failed') {
      throw refuse('verification_failed', `connection ${connection.id} failed its verification handshake; fix the backend, then call POST /v2/integrations/webhook/${connection.id}/verify`);
    }
    const admission = await this.circuits.admit(connection.id, connection.timeoutMs);
    if (!admission.allowed) {
      this.metrics.deliveries.inc({ target: 'connection', outcome: 'circuit_open' });
      const seconds = Math.max(1, Math.ceil(admission.retryAfterMs / 1000));
      throw refuse('circuit_open', `circuit open after ${admission.failures} consecutive failures: the backend is not called for ${seconds}s`, {
        headers: { 'retry-after': String(seconds) },
      });
    }

    // UUIDv7, so that a lookup by id finds its day partition (see idTimeRange).
    const deliveryId = uuidv7(Date.now());
    const signed = connection.signer.sign(deliveryId, body);
    const startedAt = performance.now();
    let outcome: DispatchOutcome;
    try {
      const response = await this.client.request({
        method: 'POST',
        url: connection.url,
        headers: { ...connection.headers, ...signed },
        body,
        timeoutMs: connection.timeoutMs,
        maxResponseBytes: MAX_REPLY_BYTES,
      });
      outcome = judgeResponse(response, (reply) => this.validator.validate(reply));
    } catch (error) {
      if (!(error instanceof OutboundError)) {
        await this.circuits.failed(connection.id);
        throw error;
      }
      outcome = judgeFailure(error, Math.round(performance.now() - startedAt));
    }

    // Awaited with the record, so that when a failure is answered the other instances have heard of it.
    const judged = outcome.ok ? this.circuits.succeeded(connection.id) : this.circuits.failed(connection.id);
    this.metrics.deliveries.inc({ target: 'connection', outcome: outcome.ok ? 'succeeded' : 'failed' });
    this.metrics.deliveryDuration.observe({ target: 'connection' }, outcome.durationMs / 1000);

    const [recorded] = await Promise.all([this.recorder.submit({
      id: deliveryId,
      connectionId: connection.id,
      status: outcome.ok ? 'succeeded' : 'failed',
      httpStatus: outcome.httpStatus,
      durationMs: outcome.durationMs,
      requestUrl: connection.redactedUrl,
      requestHeaders: JSON.stringify({ ...connection.recordedHeaders, ...signed }),
      requestBody: body,
      error: outcome.ok ? null : outcome.error,
      responseBody: outcome.responseBody,
    }), judged]);
    if (!recorded) {
      this.cache.forget(connection.id);
      throw notFound(connection.id);
    }
    if (!outcome.ok) throw outcome.failure;
    return { deliveryId, durationMs: outcome.durationMs, responses: outcome.reply.responses, attributes: outcome.reply.attributes };
  }

  private async recordBatch(records: DeliveryRecord[]): Promise<boolean[]> {
    const rows = await this.sql.query<{ id: string }>(
      RECORD_DELIVERIES,
      [
        records.map((r) => r.id),
        records.map((r) => r.connectionId),
        records.map((r) => r.status),
        records.map((r) => r.httpStatus),
        records.map((r) => r.durationMs),
        records.map((r) => r.requestUrl),
        records.map((r) => r.requestHeaders),
        records.map((r) => r.requestBody),
        records.map((r) => r.error),
        records.map((r) => r.responseBody),
      ],
      'connections_record_deliveries',
    );
    const written = new Set(rows.map((row) => row.id));
    return records.map((r) => written.has(r.id));
  }

  /**
   * Called when a connection changed or went away, on every instance: its failures no longer say anything
   * about it, and what is cached of it is stale.
   */
  async forget(id: string): Promise<void> {
    await this.circuits.reset(id);
    await this.notices.publish('connection_changed', { connectionId: id });
  }
}

const notFound = (id: string): AppError => new AppError('not_found', `connection ${id} not found`);
