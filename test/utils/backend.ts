import { once } from 'node:events';
import { createServer, IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** What the backend answers; a function decides per request. */
export interface BackendReply {
  status?: number;
  /** JSON-serialized unless it is a string or a Buffer, which go out as they are. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Wait this long before answering (a slow backend). */
  delayMs?: number;
}

export interface ReceivedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  body: string;
  /** Standard Webhooks verification with the `standardwebhooks` package; null when no secret was set. */
  signatureValid: boolean | null;
}

/**
 * A fake chatbot.com backend: a real HTTP server on 127.0.0.1 that behaves like existing backends do. It
 * refuses any request without the right `?token=` (403), echoes `challenge` on the verification GET,
 * verifies Standard Webhooks signatures on POSTs (401 when they fail), records every request, and answers
 * messages as the test tells it to: slow, 404, 500, non-JSON, oversized, redirecting, or anything else.
 */
export class FakeBackend {
  /** Expected `?token=`; undefined accepts any. */
  token: string | undefined;
  /** Headers every request must carry with exactly these values (401 otherwise), as a backend behind Basic auth or an API key does. */
  requiredHeaders: Record<string, string> | undefined;
  /** The connection's signingSecret; when set, POSTs must carry a valid signature. */
  signingSecret: string | undefined;
  /** Answers the verification GET; echoes the challenge by default. */
  onChallenge: (challenge: string) => BackendReply = (challenge) => ({ body: challenge });
  /** Answers a message POST; an empty reply by default. */
  onMessage: (request: ReceivedRequest) => BackendReply = () => ({ body: { responses: [] } });
  readonly requests: ReceivedRequest[] = [];
  /** TCP connections accepted, to see keep-alive at work. */
  connections = 0;

  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private port = 0;

  private constructor() {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (socket: Socket) => {
      this.connections += 1;
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  static async start(): Promise<FakeBackend> {
    const backend = new FakeBackend();
    backend.server.listen(0, '127.0.0.1');
    await once(backend.server, 'listening');
    backend.port = (backend.server.address() as AddressInfo).port;
    return backend;
  }

  /** The backend's URL on 127.0.0.1 (or another host name that reaches it). */
  url(path = '/hook', host = '127.0.0.1'): string {
    return `http://${host}:${this.port}${path}`;
  }

  get messages(): ReceivedRequest[] {
    return this.requests.filter((request) => request.method === 'POST');
  }

  /** Back to the defaults, with an empty request log. */
  reset(): void {
    this.token = undefined;
    this.requiredHeaders = undefined;
    this.signingSecret = undefined;
    this.onChallenge = (challenge) => ({ body: challenge });
    this.onMessage = () => ({ body: { responses: [] } });
    this.requests.length = 0;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://backend');
    const request: ReceivedRequest = {
      method: req.method ?? '',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body: Buffer.concat(chunks).toString('utf8'),
      signatureValid: null,
    };
    this.requests.push(request);

    for (const [name, value] of Object.entries(this.requiredHeaders ?? {})) {
      if (req.headers[name.toLowerCase()] !== value) return this.answer(res, { status: 401, body: { error: `missing ${name}` } });
    }
    if (this.token !== undefined && request.query.token !== this.token) return this.answer(res, { status: 403, body: { error: 'bad token' } });
    if (req.method === 'GET') {
      const challenge = request.query.challenge;
      return this.answer(res, challenge ? this.onChallenge(challenge) : { status: 400, body: 'no challenge' });
    }
    if (this.signingSecret !== undefined) {
      try {
        new Webhook(this.signingSecret).verify(request.body, req.headers as Record<string, string>);
        request.signatureValid = true;
      } catch {
        request.signatureValid = false;
        return this.answer(res, { status: 401, body: { error: 'bad signature' } });
      }
    }
    return this.answer(res, this.onMessage(request));
  }

  private async answer(res: ServerResponse, reply: BackendReply): Promise<void> {
    if (reply.delayMs) {
      // A client that gives up closes the socket; stop waiting then, so the server can close promptly.
      const closed = once(res, 'close');
      await Promise.race([new Promise((resolve) => setTimeout(resolve, reply.delayMs).unref()), closed]);
      if (res.destroyed || res.writableEnded) return;
    }
    const { body } = reply;
    const payload = body === undefined ? '' : typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
    const type = typeof body === 'string' || Buffer.isBuffer(body) ? 'text/plain' : 'application/json';
    res.writeHead(reply.status ?? 200, { 'content-type': type, ...reply.headers });
    res.end(payload);
  }
}
