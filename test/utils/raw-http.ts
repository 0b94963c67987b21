import { once } from 'node:events';
import { connect, Socket } from 'node:net';

/** A client socket to the app that records what it received and when the server closed it. */
export class RawClient {
  readonly opened = performance.now();
  private received = Buffer.alloc(0);
  readonly closed: Promise<number>;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk]);
    });
    // The server ending the connection, however it does it (FIN or RST), is what the tests wait for.
    socket.on('error', () => undefined);
    this.closed = once(socket, 'close').then(() => performance.now() - this.opened);
  }

  static async open(baseUrl: string): Promise<RawClient> {
    const { hostname, port } = new URL(baseUrl);
    const socket = connect(Number(port), hostname);
    await once(socket, 'connect');
    return new RawClient(socket);
  }

  write(text: string | Buffer): void {
    this.socket.write(text);
  }

  get text(): string {
    return this.received.toString('utf8');
  }

  /** Resolves with the first complete response (headers and a Content-Length body). */
  async response(): Promise<{ status: number; headers: Record<string, string>; body: string }> {
    for (;;) {
      const parsed = parseResponse(this.received);
      if (parsed) return parsed;
      if (this.socket.destroyed) throw new Error(`connection closed before a full response: ${JSON.stringify(this.text)}`);
      await Promise.race([once(this.socket, 'data'), once(this.socket, 'close')]);
    }
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** One request over a fresh socket, the target sent exactly as given (supertest would normalise it). */
export async function rawRequest(baseUrl: string, head: string, body = ''): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  const client = await RawClient.open(baseUrl);
  try {
    client.write(`${head}\r\nhost: ${new URL(baseUrl).host}\r\nconnection: close\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    return await client.response();
  } finally {
    client.destroy();
  }
}

function parseResponse(data: Buffer): { status: number; headers: Record<string, string>; body: string } | null {
  const end = data.indexOf('\r\n\r\n');
  if (end === -1) return null;
  const [statusLine, ...lines] = data.subarray(0, end).toString('latin1').split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const length = Number(headers['content-length'] ?? 0);
  if (data.length < end + 4 + length) return null;
  return { status: Number(statusLine.split(' ')[1]), headers, body: data.subarray(end + 4, end + 4 + length).toString('utf8') };
}
