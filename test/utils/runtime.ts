import { once } from 'node:events';
import { createServer, IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** How the runtime answers one delivery. */
export type RuntimeReply =
  /** `until`: answers only once it settles, so a test can hold a delivery for as long as it needs. */
  | { status?: number; body?: unknown; headers?: Record<string, string>; delayMs?: number; until?: Promise<unknown> }
  /** Never answers: the caller's deadline has to end it. */
  | 'hang';

export interface RuntimeDelivery {
  headers: IncomingHttpHeaders;
  /** The body exactly as it arrived, which is what the signature covers. */
  raw: string;
  /** The §3.4 message. */
  body: any;
  /** Verified with the `standardwebhooks` package against the bot's signing secret. */
  signatureValid: boolean;
  /** Epoch ms when its body had arrived, and when the exchange ended: answered, or cut off (undefined until then). */
  arrivedAt: number;
  answeredAt?: number;
}

/**
 * A fake bot runtime: a real HTTP server on 127.0.0.1 that records every delivery, checks its Standard
 * Webhooks signature, and answers as the test says (messages, a response override, a failure, silence).
 */
export class FakeRuntime {
  /** The bot's signingSecret, for checking signatures; set it once the bot exists. */
  signingSecret = '';
  /** Decides each answer; by default an empty 200. */
  onDelivery: (delivery: RuntimeDelivery) => RuntimeReply = () => ({ body: {} });
  readonly deliveries: RuntimeDelivery[] = [];

  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly waiters: { count: number; resolve: () => void }[] = [];
  private port = 0;

  private constructor() {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  static async start(): Promise<FakeRuntime> {
    const runtime = new FakeRuntime();
    runtime.server.listen(0, '127.0.0.1');
    await once(runtime.server, 'listening');
    runtime.port = (runtime.server.address() as AddressInfo).port;
    return runtime;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/bothooks`;
  }

  /** Resolves once `count` deliveries have arrived in all; fails the test after timeoutMs. */
  async received(count: number, timeoutMs = 10_000): Promise<RuntimeDelivery[]> {
    if (this.deliveries.length < count) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => this.waiters.push({ count, resolve })),
        new Promise<void>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`the runtime got ${this.deliveries.length} deliveries, expected ${count}`)), timeoutMs);
        }),
      ]).finally(() => clearTimeout(timer));
    }
    return this.deliveries.slice(0, count);
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let signatureValid: boolean;
    try {
      new Webhook(this.signingSecret).verify(raw, req.headers as Record<string, string>);
      signatureValid = true;
    } catch {
      signatureValid = false;
    }
    const delivery: RuntimeDelivery = { headers: req.headers, raw, body: JSON.parse(raw), signatureValid, arrivedAt: Date.now() };
    this.deliveries.push(delivery);
    for (const waiter of this.waiters.filter((w) => this.deliveries.length >= w.count)) {
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
    res.once('close', () => {
      delivery.answeredAt = Date.now();
    });
    const reply = this.onDelivery(delivery);
    if (reply === 'hang') return;
    if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
    if (reply.until) await reply.until;
    const body = reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
    res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
    res.end(body);
  }
}
