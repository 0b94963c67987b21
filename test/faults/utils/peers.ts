import { once } from 'node:events';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A real HTTP server on 127.0.0.1 whose behaviour the test gives as a handler: a well-behaved chatbot
 * backend or bot runtime, or a hostile one. It keeps track of its connections so the test can see
 * whether the app let go of them.
 */
export class Peer {
  private readonly server: Server;
  readonly sockets = new Set<Socket>();
  requests = 0;
  port = 0;

  private constructor(handler: (req: IncomingMessage, res: ServerResponse, socket: Socket) => void) {
    this.server = createServer((req, res) => {
      this.requests += 1;
      handler(req, res, req.socket);
    });
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => socket.destroy());
    });
  }

  static async start(handler: (req: IncomingMessage, res: ServerResponse, socket: Socket) => void): Promise<Peer> {
    const peer = new Peer(handler);
    peer.server.listen(0, '127.0.0.1');
    await once(peer.server, 'listening');
    peer.port = (peer.server.address() as AddressInfo).port;
    return peer;
  }

  /** A chatbot backend that passes the handshake and answers every message with an empty, valid reply. */
  static polite(): Promise<Peer> {
    return Peer.start((req, res) => {
      req.resume();
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://peer');
        const challenge = url.searchParams.get('challenge');
        if (req.method === 'GET' && challenge) res.end(challenge);
        else res.writeHead(200, { 'content-type': 'application/json' }).end('{"responses": []}');
      });
    });
  }

  url(path = '/hook'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
