import { createServer, Server, Socket } from 'node:net';

/**
 * A loopback TCP load balancer as a test would place in front of several instances: each new client
 * connection goes to the next backend in turn; one that refuses the connection is skipped (as a proxy's
 * health check would), so a stopped instance takes no new connections. It counts, per backend, the client
 * connections it reset, so a check can tell which unanswered calls a killed instance had in hand.
 */
export class RoundRobinProxy {
  private readonly server: Server;
  private next = 0;
  private readonly open = new Map<number, Set<Socket>>();
  private readonly cuts = new Map<number, number>();
  port = 0;

  private constructor(private readonly ports: number[]) {
    this.server = createServer((client) => this.route(client, this.next++, 0));
  }

  static async start(ports: number[]): Promise<RoundRobinProxy> {
    const proxy = new RoundRobinProxy(ports);
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    proxy.port = (proxy.server.address() as { port: number }).port;
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Client connections open to the backend on this port right now. */
  openTo(port: number): number {
    return this.open.get(port)?.size ?? 0;
  }

  /** Client connections the backend on this port closed without a byte of answer (it died under them), so far. */
  cutBy(port: number): number {
    return this.cuts.get(port) ?? 0;
  }

  async close(): Promise<void> {
    for (const sockets of this.open.values()) for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Tries the backends in turn from `first`, each once. */
  private route(client: Socket, first: number, tried: number): void {
    if (tried >= this.ports.length) return void client.destroy();
    const port = this.ports[(first + tried) % this.ports.length];
    client.pause();
    const upstream = new Socket();
    const refused = () => {
      upstream.destroy();
      this.route(client, first, tried + 1);
    };
    upstream.once('error', refused);
    upstream.connect(port, '127.0.0.1', () => {
      upstream.removeListener('error', refused);
      let sockets = this.open.get(port);
      if (!sockets) this.open.set(port, (sockets = new Set()));
      sockets.add(client);
      const forget = () => sockets.delete(client);
      // An instance that dies mid-call resets its side: the client's connection is cut as it would be.
      let answered = false;
      upstream.once('data', () => {
        answered = true;
      });
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
      // An answered call closes cleanly: the client still gets whatever is on its way (pipe ends it).
      upstream.on('close', () => {
        if (!answered) this.cuts.set(port, this.cutBy(port) + 1);
        forget();
      });
      client.on('close', () => {
        forget();
        upstream.destroy();
      });
      client.pipe(upstream).pipe(client);
      client.resume();
    });
    client.once('error', () => upstream.destroy());
  }
}
