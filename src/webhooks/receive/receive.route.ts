import type { ExceptionFilter } from '@nestjs/common';
import type { ExpressAdapter } from '@nestjs/platform-express';
import type { OpenAPIObject } from '@nestjs/swagger';
import { aheadOfRouter, type Middleware } from '../../common/ahead-of-router';
import { markPathSecret } from '../../common/logger';
import { ReceiveService } from './receive.service';

/**
 * Calls of issued URLs (every path under /w/) are served ahead of Express's router and of Nest's: the
 * URL's signature is the credential, the body stays raw bytes, and the answer is written by ReceiveService.
 */
export function serveIssuedUrls(adapter: ExpressAdapter, middlewares: Middleware[], receiver: ReceiveService, filter: ExceptionFilter) {
  return aheadOfRouter(adapter, middlewares, filter, (req, res) => {
    markPathSecret(req);
    return receiver.receive(req, res);
  });
}

const DESCRIPTION =
  'The signature in the URL is the credential. Any content type up to WEBHOOK_MAX_BODY; appended query parameters reach the runtime. ' +
  'Sync: the runtime decides the answer (200 {answer, messages}, its own response, or 302 to the issued redirect; 503 when it fails). ' +
  'Async or no runtime: 202 {accepted, invocationId}; auto past its deadline: 202 with pending.';

const token = { name: 'token', in: 'path' as const, required: true, description: 'Everything after /w/ in the issued URL', schema: { type: 'string' as const } };
const idempotencyKey = {
  name: 'idempotency-key',
  in: 'header' as const,
  required: false,
  description: 'Seen before on this webhook within 24 h: the first outcome is replayed (also read from webhook-id)',
  schema: { type: 'string' as const },
};

const answered = {
  description: "Sync: the runtime's last message and all its messages, or the runtime's own response (any status, content type and body)",
  content: {
    'application/json': {
      schema: {
        type: 'object' as const,
        required: ['answer', 'messages'],
        properties: { answer: { type: 'string' as const, nullable: true }, messages: { type: 'array' as const, items: { type: 'string' as const } } },
      },
    },
  },
};
const accepted = {
  description: 'Async, a bot without a runtime, or auto past its deadline (pending): committed and queued',
  content: {
    'application/json': {
      schema: {
        type: 'object' as const,
        required: ['accepted', 'invocationId'],
        properties: {
          accepted: { type: 'boolean' as const, enum: [true] },
          invocationId: { type: 'string' as const, format: 'uuid' },
          pending: { type: 'boolean' as const, enum: [true], description: 'auto mode: the runtime did not answer within deadlineMs' },
        },
      },
    },
  },
};
const retryAfter = { 'retry-after': { description: 'Seconds to wait', schema: { type: 'integer' as const } } };

/** §3.2's statuses; the document builder types every error as the error envelope. */
const callResponses = {
  '200': answered,
  '202': accepted,
  '302': { description: 'Sync: to the redirect the URL was issued with', headers: { location: { schema: { type: 'string' as const, format: 'uri' } } } },
  '403': { description: 'Bad or missing signature (url_signature_invalid)' },
  '404': { description: 'The bot was deleted (bot_deleted)' },
  '405': { description: 'Any method but GET, POST and OPTIONS', headers: { allow: { schema: { type: 'string' as const, enum: ['GET, POST, OPTIONS'] } } } },
  '409': { description: 'The same idempotency key is still being answered (idempotency_in_flight)' },
  '410': { description: 'Expired, revoked, rotated out or already used (url_expired, url_revoked, url_key_rotated, url_used)' },
  '413': { description: 'The body is over WEBHOOK_MAX_BODY' },
  '429': { description: 'Over the per-IP or per-webhook rate limit (rate_limited)', headers: retryAfter },
  '503': { description: 'The runtime failed (runtime_timeout, runtime_unreachable, runtime_bad_reply, runtime_error) or the database is unavailable' },
};

function call(operationId: string, summary: string, withBody: boolean) {
  return {
    operationId,
    summary,
    description: DESCRIPTION,
    tags: ['webhooks'],
    security: [],
    parameters: [token, idempotencyKey],
    ...(withBody ? { requestBody: { required: false, description: 'Any content type, kept as raw text', content: { '*/*': { schema: { type: 'string' as const, format: 'binary' } } } } } : {}),
    responses: callResponses,
  };
}

/** The OpenAPI entry for the handler above, which Nest does not see since it is not a controller route. */
export const receiveOpenApiPaths: OpenAPIObject['paths'] = {
  '/w/{token}': {
    get: call('callIssuedUrl', 'Call an issued URL', false),
    post: call('callIssuedUrlWithBody', 'Call an issued URL with a body', true),
    options: {
      operationId: 'preflightIssuedUrl',
      summary: 'CORS preflight of an issued URL',
      description: 'Runs nothing. 204 when the URL was issued with `cors` and the Origin is allowed; 405 otherwise.',
      tags: ['webhooks'],
      security: [],
      parameters: [token],
      responses: {
        '204': {
          description: 'The preflight is allowed',
          headers: {
            'access-control-allow-origin': { schema: { type: 'string' } },
            'access-control-allow-methods': { schema: { type: 'string', enum: ['GET, POST'] } },
            'access-control-allow-headers': { schema: { type: 'string' } },
            'access-control-max-age': { schema: { type: 'integer', enum: [600] } },
          },
        },
        '405': { description: 'The URL was not issued with cors, or the Origin is not allowed' },
      },
    },
  },
};
