import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { ExpressAdapter } from '@nestjs/platform-express';
import type { Configuration } from '../config/configuration';
import { originForm } from './request-target';
import { WEBHOOK_PATH } from './webhook-path';

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
 * Calls of issued URLs can be given a handler of their own, which then serves them instead of Express.
 */
export class BoundedExpressAdapter extends ExpressAdapter {
  private issuedUrls: ((req: IncomingMessage, res: ServerResponse) => void) | null = null;

  constructor(private readonly limits: Configuration['http']) {
    super();
  }

  serveIssuedUrls(handler: (req: IncomingMessage, res: ServerResponse) => void): void {
    this.issuedUrls = handler;
  }

  override initHttpServer(): void {
    const handle = this.getInstance();
    const server = createServer(
      { headersTimeout: this.limits.headersTimeoutMs, requestTimeout: this.limits.requestTimeoutMs, connectionsCheckingInterval: checkInterval(this.limits) },
      (req, res) => {
        req.url = originForm(req.url ?? '/');
        if (this.issuedUrls !== null && req.url.startsWith(WEBHOOK_PATH)) this.issuedUrls(req, res);
        else handle(req, res);
      },
    );
    server.maxConnections = this.limits.maxConnections;
    this.httpServer = server;
  }
}
