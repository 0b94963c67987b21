import { once } from 'node:events';
import { createServer, Server } from 'node:http';
import type { Socket } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { freePort } from './app-process';

/**
 * A bot runtime on a fixed loopback port that the test switches on and off. While it is down nothing
 * listens on the port, so the app's deliveries are refused at the TCP level. It counts every delivery
 * by its `webhook-id`, so duplicates (at-least-once) are visible.
 */
export class FakeRuntime {
  /** webhook-id → how many times it was delivered with a valid signature. */
  readonly deliveries = new Map<string, number>();
  /** Deliveries whose signature or body did not check out. */
  readonly rejected: string[] = [];
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private verifier: Webhook | undefined;
  /** How long each answer takes. */
  delayMs = 0;

  private constructor(readonly port: number) {}

  static async reserve(): Promise<FakeRuntime> {
    return new FakeRuntime(await freePort());
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/runtime`;
  }

  /** Deliveries must be signed with this bot secret to count. */
  verifyWith(signingSecret: string): void {
    this.verifier = new Webhook(signingSecret);
  }

  async up(): Promise<void> {
    if (this.server) return;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const id = String(req.headers['webhook-id'] ?? '');
        try {
          this.verifier?.verify(body, req.headers as Record<string, string>);
          if (JSON.parse(body).invocationId !== id) throw new Error('webhook-id is not the invocation id');
          this.deliveries.set(id, (this.deliveries.get(id) ?? 0) + 1);
        } catch (error) {
          this.rejected.push(`${id}: ${(error as Error).message}`);
        }
        // The answer names the invocation, so that a sync caller can tell which one answered it.
        const answer = () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ messages: [id] }));
        if (this.delayMs > 0) setTimeout(answer, this.delayMs);
        else answer();
      });
    });
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    server.listen(this.port, '127.0.0.1');
    await once(server, 'listening');
    this.server = server;
  }

  /** Stops listening and drops every open connection: from now on connections are refused. */
  async down(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  }

  get duplicates(): number {
    let extra = 0;
    for (const count of this.deliveries.values()) extra += count - 1;
    return extra;
  }
}
