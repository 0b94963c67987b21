import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Agent, errors, type Dispatcher } from 'undici';
import { guardedLookup, parseOutboundUrl, UnsafeUrlError } from './ssrf-guard';

// Three levels up is the repository root both from src/common/outbound and from dist/common/outbound.
const { version } = require('../../../package.json') as { version: string };

/** Long enough for any TCP + TLS handshake worth waiting for; each request's own deadline is usually shorter. */
const CONNECT_TIMEOUT_MS = 10_000;

export type OutboundErrorKind = 'blocked' | 'invalid_url' | 'timeout' | 'connect' | 'too_large' | 'protocol';

/** Failures in which the request certainly never got to the peer: nothing was sent, or nowhere to send it. */
const NEVER_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'UND_ERR_CONNECT_TIMEOUT']);

export class OutboundError extends Error {
  /**
   * False only when the request certainly did not reach the peer (refused address, DNS failure, no
   * connection). A timeout or a broken reply may come after the peer acted on it, so callers that must
   * not run something twice treat those as reached.
   */
  readonly mayHaveReachedPeer: boolean;

  constructor(
    readonly kind: OutboundErrorKind,
    message: string,
    options?: { cause?: unknown; mayHaveReachedPeer?: boolean },
  ) {
    super(message, options);
    this.name = 'OutboundError';
    this.mayHaveReachedPeer = options?.mayHaveReachedPeer ?? (kind !== 'blocked' && kind !== 'invalid_url');
  }
}

export interface OutboundRequest {
  method: 'GET' | 'POST';
  url: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Deadline for the whole exchange: connecting, sending, headers and body. */
  timeoutMs: number;
  maxResponseBytes: number;
}

export interface OutboundResponse {
  status: number;
  /** Lower-case names; repeated headers are joined with `, `. */
  headers: Record<string, string>;
  body: Buffer;
  durationMs: number;
}

export interface OutboundClientOptions {
  allowPrivate: boolean;
  userAgent?: string;
}

/**
 * The one HTTP client for everything bothooks sends out (connection dispatches, verification
 * handshakes, runtime deliveries). Every call goes through the SSRF guard, never follows redirects, has
 * a single total deadline and a response size cap, so a hostile or broken peer can cost us at most
 * `timeoutMs` and `maxResponseBytes`.
 */
@Injectable()
export class OutboundClient implements OnApplicationShutdown {
  private readonly agent: Agent;
  private readonly allowPrivate: boolean;
  private readonly userAgent: string;
  private readonly defaultHeaders: Readonly<Record<string, string>>;
  private closing: Promise<void> | null = null;

  constructor(options: OutboundClientOptions) {
    this.allowPrivate = options.allowPrivate;
    this.userAgent = options.userAgent ?? `bothooks/${version}`;
    this.defaultHeaders = Object.freeze({ 'user-agent': this.userAgent });
    // One pool for the whole app: bursts to the same backend reuse warm sockets instead of paying a
    // TCP and TLS handshake per call, and 128 per origin bounds what one busy backend can hold.
    this.agent = new Agent({
      connections: 128,
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 60_000,
      connect: {
        timeout: CONNECT_TIMEOUT_MS,
        ...(this.allowPrivate ? {} : { lookup: guardedLookup }),
      },
    });
  }

  request(req: OutboundRequest): Promise<OutboundResponse> {
    let url: URL;
    try {
      url = parseOutboundUrl(req.url, { allowPrivate: this.allowPrivate });
    } catch (err) {
      return Promise.reject(toOutboundError(err, false));
    }

    return new Promise((resolve, reject) => {
      const collector = new ResponseCollector(req.timeoutMs, req.maxResponseBytes, resolve, reject);
      this.agent.dispatch(
        {
          origin: url.origin,
          path: url.pathname + url.search,
          method: req.method,
          headers: this.withUserAgent(req.headers),
          body: req.body ?? null,
        },
        collector,
      );
    });
  }

  /** Idempotent, because tests and Nest's shutdown hook may both call it. */
  close(): Promise<void> {
    this.closing ??= this.agent.close();
    return this.closing;
  }

  onApplicationShutdown(): Promise<void> {
    return this.close();
  }

  private withUserAgent(headers: Record<string, string> | undefined): Readonly<Record<string, string>> {
    if (headers === undefined) return this.defaultHeaders;
    for (const name in headers) {
      if (name.toLowerCase() === 'user-agent') return headers;
    }
    return { ...headers, 'user-agent': this.userAgent };
  }
}

/**
 * Receives one response straight from undici's dispatcher and buffers it. Working at this level rather
 * than through a body stream lets the deadline and the size cap cut the exchange off at the exact byte
 * or millisecond, and keeps the hot path free of stream machinery.
 */
class ResponseCollector implements Dispatcher.DispatchHandler {
  private readonly startedAt = performance.now();
  private readonly timer: NodeJS.Timeout;
  private controller: Dispatcher.DispatchController | null = null;
  private settled = false;
  private failure: OutboundError | null = null;
  private status = 0;
  private headers: Record<string, string> = {};
  private readonly chunks: Buffer[] = [];
  private received = 0;

  constructor(
    private readonly timeoutMs: number,
    private readonly maxBytes: number,
    private readonly resolve: (response: OutboundResponse) => void,
    private readonly reject: (error: OutboundError) => void,
  ) {
    this.timer = setTimeout(() => this.fail(new OutboundError('timeout', `timeout of ${this.timeoutMs}ms exceeded`)), timeoutMs);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    // The deadline can pass while the request still waits for a socket; it must not go out late.
    if (this.failure) controller.abort(this.failure);
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>): void {
    if (statusCode < 200) return;
    this.status = statusCode;
    this.headers = flattenHeaders(headers);
    const declared = Number(this.headers['content-length']);
    if (declared > this.maxBytes) this.fail(tooLarge(this.maxBytes));
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.settled) return;
    this.received += chunk.length;
    if (this.received > this.maxBytes) {
      this.fail(tooLarge(this.maxBytes));
      return;
    }
    this.chunks.push(chunk);
  }

  onResponseEnd(): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    this.resolve({
      status: this.status,
      headers: this.headers,
      body: this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.received),
      durationMs: Math.round(performance.now() - this.startedAt),
    });
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    this.reject(toOutboundError(error, this.status !== 0));
  }

  private fail(error: OutboundError): void {
    if (this.settled) return;
    this.settled = true;
    this.failure = error;
    clearTimeout(this.timer);
    this.reject(error);
    // Aborting destroys the socket: a peer that stalls or floods must not be handed to the next request.
    this.controller?.abort(error);
  }
}

function tooLarge(maxBytes: number): OutboundError {
  return new OutboundError('too_large', `response body exceeds ${maxBytes} bytes`);
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

function toOutboundError(error: unknown, afterHeaders: boolean): OutboundError {
  if (error instanceof OutboundError) return error;
  if (error instanceof UnsafeUrlError) return new OutboundError(error.kind, error.message, { cause: error });

  const message = error instanceof Error ? error.message : String(error);
  // undici refuses to put a header with CR/LF, or a wrong content-length, on the wire.
  if (error instanceof errors.InvalidArgumentError || error instanceof errors.RequestContentLengthMismatchError) {
    return new OutboundError('protocol', `invalid request: ${message}`, { cause: error });
  }
  if (error instanceof errors.HTTPParserError) {
    return new OutboundError('protocol', `invalid HTTP response: ${message}`, { cause: error });
  }
  if (afterHeaders) {
    return new OutboundError('protocol', `response ended early: ${message}`, { cause: error });
  }
  if (error instanceof errors.SocketError) {
    return new OutboundError('connect', `connection closed before a response: ${message}`, { cause: error });
  }
  return new OutboundError('connect', message, { cause: error, mayHaveReachedPeer: !NEVER_SENT.has((error as { code?: string }).code ?? '') });
}
