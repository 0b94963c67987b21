import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ExceptionFilter } from '@nestjs/common';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import type { ExpressAdapter } from '@nestjs/platform-express';
import express, { type NextFunction, type Request, type Response } from 'express';

export type Middleware = (req: Request, res: Response, next: NextFunction) => void;

/** Express's own readings of the path and of the caller's address (TRUST_PROXY applied), borrowed. */
const expressPath = Object.getOwnPropertyDescriptor(express.request, 'path')!.get!;
const expressIp = Object.getOwnPropertyDescriptor(express.request, 'ip')!.get!;

/**
 * A hot path served ahead of Express's router and of Nest's, for routes that need nothing a router offers.
 * The walk through the router's layers, with Nest's per-request guard and pipe machinery, showed up in
 * every profile of such a call. The request gets what the middlewares and the handler read of Express
 * (`req.path`, and `req.ip` with TRUST_PROXY applied) as its own values: swapping Express's prototypes in,
 * as app.handle does, costs every later access to the request and the response by Node's own code its fast
 * path. The middlewares every request runs through run in the same order, and an error goes to the app's
 * exception filter with the prototypes in place, mapped by the adapter first, as it would from Express.
 */
export function aheadOfRouter(adapter: ExpressAdapter, middlewares: Middleware[], filter: ExceptionFilter, handler: (req: Request, res: Response) => Promise<void>) {
  const app = adapter.getInstance<express.Express>();
  return (incoming: IncomingMessage, outgoing: ServerResponse): void => {
    const req = incoming as Request;
    const res = outgoing as Response;
    req.res = res;
    res.req = req;
    req.app = app;
    req.originalUrl = req.url;
    Object.assign(req, { path: expressPath.call(req), ip: expressIp.call(req) });
    let step = 0;
    const next = (error?: unknown): void => {
      if (error !== undefined) {
        Object.setPrototypeOf(req, app.request);
        Object.setPrototypeOf(res, app.response);
        res.locals = Object.create(null);
        return void filter.catch(adapter.mapException(error), new ExecutionContextHost([req, res, next]));
      }
      const middleware = middlewares[step++];
      if (middleware === undefined) {
        handler(req, res).catch(next);
        return;
      }
      // As Express's router does: a middleware that throws has passed its error on.
      try {
        middleware(req, res, next);
      } catch (thrown) {
        next(thrown);
      }
    };
    next();
  };
}

/** A JSON answer written as one string, so that the status line, headers and body go out in one write. */
export function answerJson(res: ServerResponse, status: number, value: unknown): void {
  const text = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
