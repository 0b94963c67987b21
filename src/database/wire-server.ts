import { createServer, type Server, type Socket } from 'node:net';
import type { PGlite } from '@electric-sql/pglite';

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;

/**
 * The messages after which a client waits for an answer: only then is a batch handed to PGlite, so a
 * client's Parse/Bind/Execute… runs as one unit however the bytes were split on the way in.
 */
const BATCH_ENDS = new Set(['S', 'Q', 'H', 'c', 'f']);
const SYNC = Buffer.from([0x53, 0, 0, 0, 4]);

interface Connection {
  socket: Socket;
  buffer: Buffer;
  started: boolean;
  pending: Buffer[];
  /** It flushed in the middle of an extended query: its unnamed statement and portal live until its Sync. */
  midQuery: boolean;
  closed: boolean;
}

interface Batch {
  connection: Connection;
  bytes: Uint8Array;
  flush: boolean;
}

/**
 * Serves one PGlite, which is a single session, to several wire-protocol clients. Each connection's
 * bytes are cut into whole messages and queued as batches that end where the client waits for an
 * answer; batches run one at a time, and while a transaction (or an extended query cut by a Flush) is
 * open only its connection's batches run, so the others wait for it to end as they would behind a lock
 * on a real server.
 */
export class WireServer {
  private readonly server: Server;
  private readonly connections = new Set<Connection>();
  private queue: Batch[] = [];
  /** The connection whose batch ran last: the one that owns the transaction PGlite may be in. */
  private owner: Connection | undefined;
  private draining: Promise<void> | undefined;
  private closing = false;

  constructor(
    private readonly db: PGlite,
    maxConnections: number,
  ) {
    this.server = createServer((socket) => this.accept(socket));
    this.server.maxConnections = maxConnections;
  }

  /** Listens on a free loopback port and answers `host:port`. */
  async listen(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve());
    });
    const address = this.server.address();
    if (!address || typeof address !== 'object') throw new Error('the embedded database has no address');
    return `127.0.0.1:${address.port}`;
  }

  /** Once this answers, nothing touches PGlite any more, so it may be closed. */
  async close(): Promise<void> {
    this.closing = true;
    this.queue = [];
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const connection of this.connections) connection.socket.destroy();
    await closed;
    await this.draining;
  }

  private accept(socket: Socket): void {
    socket.setNoDelay(true);
    const connection: Connection = { socket, buffer: Buffer.alloc(0), started: false, pending: [], midQuery: false, closed: false };
    this.connections.add(connection);
    socket.on('data', (chunk) => this.receive(connection, chunk));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.drop(connection));
  }

  private receive(connection: Connection, chunk: Buffer): void {
    connection.buffer = Buffer.concat([connection.buffer, chunk]);
    for (;;) {
      const message = this.nextMessage(connection);
      if (!message) return;
      if (!connection.started) {
        this.receiveStartup(connection, message);
        continue;
      }
      const type = String.fromCharCode(message[0]);
      // A Terminate is answered by closing; PGlite's one session must not see it.
      if (type === 'X') {
        connection.socket.end();
        return;
      }
      connection.pending.push(message);
      if (BATCH_ENDS.has(type)) {
        this.queue.push({ connection, bytes: Buffer.concat(connection.pending), flush: type === 'H' });
        connection.pending = [];
        this.drain();
      }
    }
  }

  /** Before startup a message is a length that counts itself; after, a type byte and then that length. */
  private nextMessage(connection: Connection): Buffer | undefined {
    const header = connection.started ? 1 : 0;
    if (connection.buffer.length < header + 4) return undefined;
    const length = header + connection.buffer.readInt32BE(header);
    if (length < header + 4) {
      connection.socket.destroy();
      return undefined;
    }
    if (connection.buffer.length < length) return undefined;
    const message = connection.buffer.subarray(0, length);
    connection.buffer = connection.buffer.subarray(length);
    return message;
  }

  private receiveStartup(connection: Connection, message: Buffer): void {
    const code = message.length >= 8 ? message.readInt32BE(4) : 0;
    if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
      // No encryption on a loopback port: 'N' tells the client to go on in the clear.
      connection.socket.write('N');
    } else if (code === CANCEL_REQUEST) {
      connection.socket.end();
    } else {
      connection.started = true;
      this.queue.push({ connection, bytes: message, flush: false });
      this.drain();
    }
  }

  private drop(connection: Connection): void {
    connection.closed = true;
    this.connections.delete(connection);
    this.queue = this.queue.filter((batch) => batch.connection !== connection);
    this.drain();
  }

  private drain(): void {
    if (this.closing) return;
    this.draining ??= this.run().finally(() => (this.draining = undefined));
  }

  private async run(): Promise<void> {
    for (;;) {
      if (this.owner?.closed && this.held()) {
        // A client gone in the middle of a query or a transaction must not leave the others waiting behind it.
        if (this.owner.midQuery) await this.db.runExclusive(() => this.db.execProtocolRawStream(SYNC, { onRawData: () => undefined }));
        if (this.db.isInTransaction()) await this.db.exec('ROLLBACK');
        this.owner = undefined;
      }
      const batch = this.next();
      if (!batch) return;
      this.owner = batch.connection;
      batch.connection.midQuery = batch.flush;
      const { socket } = batch.connection;
      try {
        await this.db.runExclusive(() =>
          this.db.execProtocolRawStream(batch.bytes, {
            onRawData: (data) => {
              // The bytes are a view of PGlite's memory, which its next message reuses.
              if (socket.writable) socket.write(Buffer.from(data));
            },
          }),
        );
      } catch {
        socket.destroy();
      }
    }
  }

  private next(): Batch | undefined {
    if (!this.held()) return this.queue.shift();
    const index = this.queue.findIndex((batch) => batch.connection === this.owner);
    return index === -1 ? undefined : this.queue.splice(index, 1)[0];
  }

  private held(): boolean {
    return this.owner !== undefined && (this.owner.midQuery || this.db.isInTransaction());
  }
}
