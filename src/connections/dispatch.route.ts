import type { IncomingMessage } from 'node:http';
import type { ExceptionFilter } from '@nestjs/common';
import type { ExpressAdapter } from '@nestjs/platform-express';
import type { AuthenticatedRequest } from '../auth/principal';
import { RequestAuthenticator } from '../auth/request-authenticator';
import { aheadOfRouter, answerJson, type Middleware } from '../common/ahead-of-router';
import { DispatchService } from './dispatch.service';

/** The canonical spelling only; any other (a trailing slash, capitals, escapes, a malformed id) goes to the controller. */
const DISPATCH_TARGET = /^\/v2\/integrations\/webhook\/([0-9a-f]{24})\/dispatch(?:\?|$)/;

export const isDispatch = (req: IncomingMessage): boolean => req.method === 'POST' && DISPATCH_TARGET.test(req.url!);

/**
 * POST …/:id/dispatch (contract §4.3) served ahead of the routers, with what DispatchController's route
 * gets from Nest: the key judged by the body parser when there is a body, else here as the guard would,
 * before the body is looked at; then the service, and its result as the 200.
 */
export function serveDispatch(adapter: ExpressAdapter, middlewares: Middleware[], authenticator: RequestAuthenticator, dispatcher: DispatchService, filter: ExceptionFilter) {
  return aheadOfRouter(adapter, middlewares, filter, async (req, res) => {
    const principal = await authenticator.authenticate(req as AuthenticatedRequest);
    const id = DISPATCH_TARGET.exec(req.url)![1];
    answerJson(res, 200, await dispatcher.dispatch(principal, id, req.body));
  });
}
