import type { OpenAPIObject } from '@nestjs/swagger';
import type { NextFunction, Request, Response } from 'express';
import { markPathSecret } from '../../common/logger';
import { ReceiveService } from './receive.service';
import { WEBHOOK_PATH } from '../../common/webhook-path';

/**
 * Calls of issued URLs are served by a plain Express handler that runs ahead of Nest's router. They need
 * nothing the router offers (the URL's signature is the credential, the body stays raw bytes, the answer
 * is written by ReceiveService), and the router's walk past every API route plus Nest's per-request
 * guard and pipe machinery showed up in every profile of a call. Errors go on to Nest's exception layer,
 * so refusals answer with the same envelope as everywhere else.
 */
export function receiveIssuedUrls(receiver: ReceiveService) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!req.path.startsWith(WEBHOOK_PATH)) return next();
    markPathSecret(req);
    receiver.receive(req, res).catch(next);
  };
}

const DESCRIPTION =
  'The signature in the URL is the credential. Any content type up to WEBHOOK_MAX_BODY; appended query parameters reach the runtime. ' +
  'Sync: the runtime decides the answer (200 {answer, messages}, its own response, or 302 to the issued redirect; 503 when it fails). ' +
  'Async or no runtime: 202 {accepted, invocationId}. 403 bad signature, 404 bot deleted, 405 other methods, 409 same idempotency key still being answered, ' +
  '410 expired/revoked/rotated-out/used, 413 too large, 429 rate limited (Retry-After).';

function operation(operationId: string, summary: string) {
  return {
    operationId,
    summary,
    description: DESCRIPTION,
    tags: ['webhooks'],
    parameters: [{ name: 'token', in: 'path' as const, required: true, description: 'Everything after /w/ in the issued URL', schema: { type: 'string' as const } }],
    responses: {
      '200': { description: 'sync: the runtime answered' },
      '202': { description: 'async, or a bot without a runtime: committed and queued' },
    },
  };
}

/** The OpenAPI entry for the handler above, which Nest does not see since it is not a controller route. */
export const receiveOpenApiPaths: OpenAPIObject['paths'] = {
  '/w/{token}': {
    get: operation('callIssuedUrl', 'Call an issued URL'),
    post: operation('callIssuedUrlWithBody', 'Call an issued URL with a body'),
  },
};
