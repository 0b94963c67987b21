import type { IncomingMessage, ServerResponse } from 'node:http';
import type { components } from './schema';
import { HeaderSource, SignatureError, verifySignature } from './signature';

/** The body bothooks POSTs to a bot runtime (contract §3.4). */
export type RuntimeMessage = components['schemas']['RuntimeMessage'];

/** An HTTP answer for the caller of the URL, in sync mode. */
export interface RuntimeResponse {
  status?: number;
  headers?: Record<string, string>;
  /** A string goes out as it is; anything else as JSON. */
  body?: unknown;
}

/** What a runtime answers with (§3.4); bothooks reads `error`, then `response`, then `messages`. */
export interface RuntimeReply {
  messages?: string[];
  response?: RuntimeResponse;
  error?: string;
}

export interface VerifyOptions {
  /** The clock the timestamp is checked against; injectable for tests. */
  now?: Date;
}

/** Verifies a call from bothooks (Standard Webhooks v1) and returns its message; throws SignatureError. */
export function verifyRuntimeCall(headers: HeaderSource, rawBody: string | Buffer, signingSecret: string, options: VerifyOptions = {}): RuntimeMessage {
  return JSON.parse(verifySignature(headers, rawBody, signingSecret, options.now ?? new Date()));
}

/** Messages for the chat; in sync mode the last one is the caller's `answer`. */
export const answer = (...messages: string[]): RuntimeReply => ({ messages });

/** The HTTP answer the caller of the URL gets. */
export const respond = (response: RuntimeResponse): RuntimeReply => ({ response });

/** The command failed: a sync caller gets 503 `runtime_error`, the invocation is kept as failed with this reason. */
export const fail = (reason: string): RuntimeReply => ({ error: reason });

export type RuntimeHandle = (message: RuntimeMessage) => RuntimeReply | Promise<RuntimeReply>;

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/**
 * A node:http request handler (Express middleware too, mounted before any body parser, since the
 * signature covers the raw body): 401 on a bad signature, else handle(message)'s reply as JSON. A handle
 * that throws answers 500, so an async delivery is retried.
 */
export function runtimeHandler(signingSecret: string, handle: RuntimeHandle): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    void (async () => {
      let message: RuntimeMessage;
      try {
        message = verifyRuntimeCall(req.headers, await readBody(req), signingSecret);
      } catch (error) {
        send(res, error instanceof SignatureError ? 401 : 400, { error: error instanceof Error ? error.message : String(error) });
        return;
      }
      try {
        send(res, 200, await handle(message));
      } catch (error) {
        send(res, 500, fail(error instanceof Error ? error.message : String(error)));
      }
    })();
  };
}
