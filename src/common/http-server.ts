import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { ExpressAdapter } from '@nestjs/platform-express';
import type { Configuration } from '../config/configuration';
import { originForm } from './request-target';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Node checks header and request deadlines only every `connectionsCheckingInterval` (30 s by default), so
 * a 10 s deadline could hold a socket for 40 s. Checking a few times per deadline keeps the cut-off close
 * to the setting; the check is a walk over open sockets, cheap even at the connection cap.
 */
const checkInterval = (limits: Configuration['http']) => Math.max(50, Math.min(1000, Math.floor(limits.headersTimeoutMs / 4)));

/**
 * Nest's Express adapter with the HTTP server bothooks needs: slow clients cut off at HTTP_HEADERS_TIMEOUT_MS
 * and HTTP_REQUEST_TIMEOUT_MS, at most HTTP_MAX_CONNECTIONS sockets, and an absolute-form request target
 * (`GET http://host/w/…`, RFC 9112 §3.2.2) served as its origin form before anything routes on it.
 * A hot path can be given a handler of its own, which then serves the requests it matches instead of Express.
 */
export class BoundedExpressAdapter extends ExpressAdapter {
  private readonly ahead: Array<{ matches: (req: IncomingMessage) => boolean; handler: Handler }> = [];

  constructor(private readonly limits: Configuration['http']) {
    super();
  }

  /** `matches` sees the request with its target in origin form. */
  serveAhead(matches: (req: IncomingMessage) => boolean, handler: Handler): void {
    this.ahead.push({ matches, handler });
  }

  override initHttpServer(): void {
    const handle = this.getInstance();
    const server = createServer(
      { headersTimeout: this.limits.headersTimeoutMs, requestTimeout: this.limits.requestTimeoutMs, connectionsCheckingInterval: checkInterval(this.limits) },
      (req, res) => {
        req.url = originForm(req.url ?? '/');
        for (const route of this.ahead) if (route.matches(req)) return route.handler(req, res);
        handle(req, res);
      },
    );
    server.maxConnections = this.limits.maxConnections;
    this.httpServer = server;
  }
}
