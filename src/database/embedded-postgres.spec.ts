import { rmSync } from 'node:fs';
import { connect as connectSocket, type Socket } from 'node:net';
import { Client } from 'pg';
import { embeddedDataDir } from '../../test/setup/embedded-template';
import { EmbeddedPostgres } from './embedded-postgres';

/** A client that speaks the wire protocol by hand, to send an extended query in the pieces it chooses. */
class RawClient {
  private received = Buffer.alloc(0);
  private waiting: (() => void) | undefined;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk) => {
      this.received = Buffer.concat([this.received, chunk]);
      this.waiting?.();
    });
  }

  static async connect(url: string): Promise<RawClient> {
    const { hostname, port } = new URL(url);
    const socket = connectSocket(Number(port), hostname);
    await new Promise((resolve) => socket.once('connect', resolve));
    const client = new RawClient(socket);
    const params = Buffer.from('user\0postgres\0database\0postgres\0\0');
    const startup = Buffer.alloc(8);
    startup.writeInt32BE(8 + params.length, 0);
    startup.writeInt32BE(196608, 4);
    socket.write(Buffer.concat([startup, params]));
    await client.readUntil('Z');
    return client;
  }

  send(...messages: Buffer[]): void {
    this.socket.write(Buffer.concat(messages));
  }

  /** The messages received up to and including the first of type `last`, as type and body. */
  async readUntil(last: string): Promise<{ type: string; body: Buffer }[]> {
    for (;;) {
      const messages: { type: string; body: Buffer }[] = [];
      let at = 0;
      while (at + 5 <= this.received.length && at + 1 + this.received.readInt32BE(at + 1) <= this.received.length) {
        const end = at + 1 + this.received.readInt32BE(at + 1);
        messages.push({ type: String.fromCharCode(this.received[at]), body: this.received.subarray(at + 5, end) });
        at = end;
        if (messages.at(-1)!.type === last) {
          this.received = this.received.subarray(at);
          return messages;
        }
      }
      await new Promise<void>((resolve) => (this.waiting = resolve));
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

const message = (type: string, ...parts: Buffer[]): Buffer => {
  const body = Buffer.concat(parts);
  const header = Buffer.alloc(5);
  header.write(type, 0);
  header.writeInt32BE(4 + body.length, 1);
  return Buffer.concat([header, body]);
};
const cstring = (text: string) => Buffer.from(`${text}\0`);
const int16 = (n: number) => Buffer.from([n >> 8, n & 0xff]);
const int32 = (n: number) => {
  const buffer = Buffer.alloc(4);
  buffer.writeInt32BE(n);
  return buffer;
};

describe('EmbeddedPostgres', () => {
  let dir: string;
  let embedded: EmbeddedPostgres;
  const clients: Client[] = [];

  const connect = async (): Promise<Client> => {
    const client = new Client({ connectionString: embedded.url });
    await client.connect();
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    dir = await embeddedDataDir();
    embedded = await EmbeddedPostgres.start(dir);
    const setup = await connect();
    await setup.query('CREATE TABLE marks (n int)');
  }, 60_000);

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.end().catch(() => undefined)));
    const cleanup = await connect();
    await cleanup.query('DELETE FROM marks');
  });

  afterAll(async () => {
    await Promise.all(clients.splice(0).map((client) => client.end()));
    await embedded.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives each of several clients the answers to its own parameterized queries, however large', async () => {
    const pool = await Promise.all([1, 2, 3, 4].map(() => connect()));
    const answers = await Promise.all(
      pool.map(async (client, c) => {
        const mine = [];
        for (let i = 0; i < 10; i++) {
          // Large enough to reach the server in several pieces, between which other clients' queries arrive.
          const sent = `client ${c} query ${i} `.padEnd(200_000, 'x');
          const { rows } = await client.query<{ head: string; length: number }>('SELECT left($1::text, 20) AS head, length($1::text) AS length', [sent]);
          mine.push({ sent, rows });
        }
        return mine;
      }),
    );
    for (const { sent, rows } of answers.flat()) expect(rows).toEqual([{ head: sent.slice(0, 20), length: sent.length }]);
  });

  it("keeps a client's unnamed statement and portal between its Flush and its Sync, whoever else queries meanwhile", async () => {
    const raw = await RawClient.connect(embedded.url);
    const other = await connect();
    try {
      const value = Buffer.from('mine');
      raw.send(
        message('P', cstring(''), cstring('SELECT $1::text AS value'), int16(0)),
        message('B', cstring(''), cstring(''), int16(0), int16(1), int32(value.length), value, int16(0)),
        message('H'),
      );
      expect((await raw.readUntil('2')).map((m) => m.type)).toEqual(['1', '2']);

      const theirs = other.query<{ value: string }>("SELECT 'theirs' AS value");
      raw.send(message('E', cstring(''), int32(0)), message('S'));
      const answer = await raw.readUntil('Z');
      expect(answer.map((m) => m.type)).toEqual(['D', 'C', 'Z']);
      expect(answer[0].body.subarray(6).toString()).toBe('mine');
      expect((await theirs).rows).toEqual([{ value: 'theirs' }]);
    } finally {
      raw.close();
    }
  });

  it('lets the others go on when a client goes away between its Flush and its Sync', async () => {
    const raw = await RawClient.connect(embedded.url);
    const other = await connect();
    raw.send(message('P', cstring(''), cstring('SELECT 1'), int16(0)), message('H'));
    await raw.readUntil('1');
    const theirs = other.query<{ one: number }>('SELECT 1 AS one');
    raw.close();
    expect((await theirs).rows).toEqual([{ one: 1 }]);
  });

  it("runs another client's query only once the open transaction has committed", async () => {
    const holder = await connect();
    const other = await connect();
    await holder.query('BEGIN');
    await holder.query('INSERT INTO marks VALUES (1)');
    let answered = false;
    const counted = other.query<{ count: number }>('SELECT count(*)::int AS count FROM marks').then((result) => {
      answered = true;
      return result.rows[0].count;
    });
    // Round trips of the holder's own go on inside its transaction while the other client waits.
    await holder.query('INSERT INTO marks VALUES (2)');
    expect((await holder.query('SELECT count(*)::int AS count FROM marks')).rows).toEqual([{ count: 2 }]);
    expect(answered).toBe(false);
    await holder.query('COMMIT');
    expect(await counted).toBe(2);
  });

  it('rolls back the transaction of a client that goes away in the middle of it', async () => {
    const holder = await connect();
    const other = await connect();
    await holder.query('BEGIN');
    await holder.query('INSERT INTO marks VALUES (1)');
    const counted = other.query<{ count: number }>('SELECT count(*)::int AS count FROM marks');
    await holder.end();
    expect((await counted).rows).toEqual([{ count: 0 }]);
    expect((await other.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });
});
