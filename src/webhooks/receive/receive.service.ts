import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '../../config/section';
import type { Request, Response } from 'express';
import { appConfig } from '../../config/app.config';
import { UrlKeysService } from '../../bots/url-keys.service';
import { Clock } from '../../common/clock';
import { AppError } from '../../common/errors';
import { refuse } from '../shared/webhook-refusals';
import { Sql } from '../../database/sql';
import { MetricsService } from '../../metrics/metrics.service';
import { clientIp } from '../../common/client-ip';
import { callParams, forwardableHeaders, idempotencyKey, splitUrl } from './client-request';
import { readBody } from '../shared/call-body';
import { PushQueue } from '../delivery/push-queue';
import { EarlierCall, InvocationStore } from '../invocations/invocation-store';
import { RateLimits } from './rate-limits';
import { RuntimeClient } from '../delivery/runtime-client';
import { runtimeMessage, storedMessage } from '../shared/runtime-message';
import { RUNTIME_FAILURE_MESSAGES, type RuntimeOutcome } from '../delivery/runtime-reply';
import { UpdateSignal } from '../updates/update-signal';
import { uuidv7 } from '../../common/ids';
import { openWebhookToken, readWebhookToken } from '../issue/webhook-url';
import { WEBHOOK_PATH } from '../../common/webhook-path';
import { allowedHeaders, allowedOrigin } from './cors';
import { AutoFallback, pendingBody } from './auto-fallback';

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const JSON_TYPE = 'application/json; charset=utf-8';
const ALLOW = 'GET, POST, OPTIONS';
const PREFLIGHT_MAX_AGE_SECONDS = 600;
/** Outcomes whose duration is worth a histogram: calls that became invocations. */
const TIMED = new Set(['answered', 'failed', 'accepted']);

/**
 * A call of an issued URL (contract §3.2), top to bottom: parse → verify → persist → deliver → answer.
 * Everything it reads on every call is in memory except one statement, which both checks what only the
 * database knows (bot deleted, URL revoked or used, key rotated out, idempotency key seen) and commits
 * the invocation, batched with concurrent calls. Nothing is answered 2xx/3xx before that commit.
 */
@Injectable()
export class ReceiveService {
  constructor(
    private readonly urlKeys: UrlKeysService,
    private readonly limits: RateLimits,
    private readonly store: InvocationStore,
    private readonly runtime: RuntimeClient,
    private readonly queue: PushQueue,
    private readonly updates: UpdateSignal,
    private readonly metrics: MetricsService,
    private readonly sql: Sql,
    private readonly clock: Clock,
    private readonly auto: AutoFallback,
    @Inject(appConfig.KEY) private readonly app: ConfigType<typeof appConfig>,
  ) {}

  async receive(req: Request, res: Response): Promise<void> {
    const started = performance.now();
    const receivedAt = new Date(this.clock.now());
    let outcome = 'refused';
    try {
      // Parse: the IP limit comes first, so a flood of forged URLs (or of their preflights) costs no HMAC and no database.
      const method = req.method;
      if (method !== 'GET' && method !== 'POST' && method !== 'OPTIONS') throw methodNotAllowed();
      const ip = clientIp(req);
      const limited = !this.limits.exempt(ip);
      if (limited) await this.limits.takeForIp(ip);
      const { path, rawQuery } = splitUrl(req.originalUrl);
      const token = readWebhookToken(path.slice(WEBHOOK_PATH.length));
      if (!token) throw badSignature();

      // Verify, against the bot's URL keys held in memory; the comparison is constant-time.
      const keys = await this.urlKeys.forBot(token.botId, token.keyVersion);
      if (!keys) throw (await this.wasDeleted(token.botId)) ? botGone(token.botId) : badSignature();
      const key = keys.versions.get(token.keyVersion);
      const claims = key === undefined ? null : openWebhookToken(token, rawQuery, key.key);
      if (key === undefined || claims === null) throw badSignature();
      const origin = allowedOrigin(claims.cors, req.headers.origin);
      if (method === 'OPTIONS') {
        outcome = 'preflight';
        return preflight(res, origin, req.headers['access-control-request-headers']);
      }
      // Set before any refusal below, so that a page reads a 410 or a 503 as well as a 200.
      if (origin !== null) {
        res.setHeader('access-control-allow-origin', origin);
        res.setHeader('vary', 'origin');
      }
      if (claims.expiresAt !== null && claims.expiresAt * 1000 <= receivedAt.getTime()) {
        throw refuse('url_expired', `this URL expired at ${new Date(claims.expiresAt * 1000).toISOString()}`);
      }
      if (key.retiresAt !== null && key.retiresAt <= receivedAt.getTime()) throw rotatedOut();
      if (limited) await this.limits.takeForWebhook(claims.webhookId);
      const idempotency = idempotencyKey(req.headers);

      // Persist: one statement, committed before anything is answered.
      const id = uuidv7(receivedAt.getTime());
      // The token, and so its signature, ends the path.
      const query = req.originalUrl.indexOf('?');
      const message = storedMessage({
        invocationId: id,
        claims,
        url: this.app.publicUrl + req.originalUrl,
        signatureEnd: this.app.publicUrl.length + (query === -1 ? req.originalUrl.length : query),
        method,
        params: callParams(rawQuery, claims.params),
        headers: forwardableHeaders(req.headers),
        ip,
        body: readBody(req.body),
        receivedAt,
      });
      const recorded = await this.store.record({
        id,
        webhookId: claims.webhookId,
        botId: claims.botId,
        keyVersion: claims.keyVersion,
        command: claims.command,
        userId: claims.userId,
        chatId: claims.chatId,
        method,
        mode: claims.mode,
        message,
        singleUse: claims.singleUse,
        idempotencyKey: idempotency,
        receivedAt,
        urlExpiresAt: claims.expiresAt === null ? null : new Date(claims.expiresAt * 1000),
      });
      switch (recorded.verdict) {
        case 'bot_gone':
          throw botGone(claims.botId);
        case 'key_retired':
          throw rotatedOut();
        case 'revoked':
          await this.store.noteRevokedUrl(claims.webhookId, claims.botId, claims.expiresAt === null ? null : new Date(claims.expiresAt * 1000));
          throw refuse('url_revoked', 'this URL has been revoked');
        case 'used':
          throw refuse('url_used', 'this single-use URL has already been used');
        case 'busy':
          throw stillAnswering();
        case 'replay':
          outcome = 'replayed';
          return send(res, replayOf(recorded.earlier), true);
      }

      // Deliver: in the background (the runtime's retry queue, or the bot's update queue for pull mode) ...
      if (recorded.route !== 'sync') {
        if (recorded.route === 'push') this.queue.enqueue(id);
        else this.updates.notify(claims.botId);
        outcome = 'accepted';
        return send(res, accepted(id), false);
      }
      // ... or now, the runtime's reply deciding the answer.
      const delivery = this.runtime.deliver({ botId: claims.botId, runtimeUrl: recorded.runtimeUrl!, signingSecretSealed: recorded.signingSecretSealed! }, id, runtimeMessage(message));
      const delivered = claims.mode === 'auto' ? await this.auto.within({ id, botId: claims.botId, deadlineMs: claims.deadlineMs!, idempotent: idempotency !== null }, delivery) : await delivery;
      if (delivered === 'pending') {
        outcome = 'accepted';
        return send(res, { status: 202, headers: { 'content-type': JSON_TYPE }, body: pendingBody(id) }, false);
      }
      if (!delivered.ok) {
        outcome = 'failed';
        await this.store.settleSync({
          id,
          receivedAt,
          webhookId: claims.webhookId,
          idempotencyKey: idempotency,
          botId: claims.botId,
          status: 'failed',
          httpStatus: delivered.httpStatus,
          answer: null,
          error: delivered.error,
          finishedAt: new Date(),
          reply: null,
          givesBackUse: !delivered.reachedRuntime,
        });
        throw refuse(delivered.reason, RUNTIME_FAILURE_MESSAGES[delivered.reason]);
      }
      const answer = answerOf(delivered, claims.redirect);
      await this.store.settleSync({
        id,
        receivedAt,
        webhookId: claims.webhookId,
        idempotencyKey: idempotency,
        botId: claims.botId,
        status: 'answered',
        httpStatus: delivered.httpStatus,
        answer: delivered.messages.at(-1) ?? null,
        error: null,
        finishedAt: new Date(),
        reply: idempotency === null ? null : answer,
        givesBackUse: false,
      });

      // Answer.
      outcome = 'answered';
      send(res, answer, false);
    } catch (error) {
      if (outcome === 'refused') outcome = error instanceof AppError ? `refused_${error.status}` : 'error';
      throw error;
    } finally {
      this.metrics.invocations.inc({ outcome });
      if (TIMED.has(outcome)) this.metrics.invocationDuration.observe({ mode: outcome === 'answered' || outcome === 'failed' ? 'sync' : 'async' }, (performance.now() - started) / 1000);
    }
  }

  private async wasDeleted(botId: string): Promise<boolean> {
    const rows = await this.sql.query(`SELECT 1 FROM deleted_bots WHERE id = $1`, [botId], 'deleted_bots_find');
    return rows.length > 0;
  }
}

function answerOf(outcome: Extract<RuntimeOutcome, { ok: true }>, redirect: string | null): Answer {
  if (outcome.response) return outcome.response;
  if (redirect !== null) return { status: 302, headers: { location: redirect }, body: '' };
  return { status: 200, headers: { 'content-type': JSON_TYPE }, body: JSON.stringify({ answer: outcome.messages.at(-1) ?? null, messages: outcome.messages }) };
}

function accepted(invocationId: string): Answer {
  return { status: 202, headers: { 'content-type': JSON_TYPE }, body: `{"accepted":true,"invocationId":"${invocationId}"}` };
}

/**
 * The first call's answer again; a sync call still waiting for its runtime has none yet. An auto call
 * that fell back to async stored the 202 it gave.
 */
function replayOf(earlier: EarlierCall): Answer {
  if (earlier.route !== 'sync' && earlier.replyStatus === null) return accepted(earlier.id);
  if (earlier.replyStatus === null) throw stillAnswering();
  return { status: earlier.replyStatus, headers: earlier.replyHeaders ?? {}, body: earlier.replyBody ?? '' };
}

function send(res: Response, answer: Answer, replayed: boolean): void {
  res.statusCode = answer.status;
  for (const name in answer.headers) res.setHeader(name, answer.headers[name]);
  if (replayed) res.setHeader('idempotent-replayed', 'true');
  res.end(answer.body);
}

/**
 * Judged on the signature alone, runs nothing and touches no database: whatever the call itself meets
 * (expired, revoked, used) the page then reads from the call's answer. It does not take from the
 * per-webhook limit, which rations runs of the command.
 */
function preflight(res: Response, origin: string | null, requestedHeaders: string | string[] | undefined): void {
  if (origin === null) throw new AppError('method_not_allowed', 'this URL answers no CORS preflight from this origin', { headers: { allow: ALLOW } });
  res.statusCode = 204;
  res.setHeader('access-control-allow-origin', origin);
  res.setHeader('access-control-allow-methods', 'GET, POST');
  const headers = allowedHeaders(requestedHeaders);
  if (headers !== null) res.setHeader('access-control-allow-headers', headers);
  res.setHeader('access-control-max-age', String(PREFLIGHT_MAX_AGE_SECONDS));
  res.setHeader('vary', 'origin');
  res.end();
}

const badSignature = (): AppError => refuse('url_signature_invalid', 'invalid webhook URL signature');
const botGone = (botId: string): AppError => refuse('bot_deleted', `bot ${botId} not found`);
const rotatedOut = (): AppError => refuse('url_key_rotated', 'this URL was signed with a URL key that has been rotated out');
const methodNotAllowed = (): AppError => new AppError('method_not_allowed', 'issued webhook URLs accept GET and POST, and OPTIONS as a CORS preflight', { headers: { allow: ALLOW } });
const stillAnswering = (): AppError =>
  refuse('idempotency_in_flight', 'a call with this idempotency key is still being answered; retry shortly', { headers: { 'retry-after': '1' } });
