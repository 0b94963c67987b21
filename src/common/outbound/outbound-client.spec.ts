import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { OutboundClient, OutboundError, type OutboundRequest } from './outbound-client';

const { version } = require('../../../package.json') as { version: string };

interface TestServer {
  url: string;
  /** Every TCP connection the server has accepted. */
  accepted: number;
  /** Connections still open. */
  open: Set<Socket>;
  close(): Promise<void>;
}

const servers: TestServer[] = [];

async function listen(server: Server | ReturnType<typeof createTcpServer>): Promise<TestServer> {
  const handle: TestServer = {
    url: '',
    accepted: 0,
    open: new Set(),
    close: async () => {
      for (const socket of handle.open) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  server.on('connection', (socket: Socket) => {
    handle.accepted += 1;
    handle.open.add(socket);
    socket.on('close', () => handle.open.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  handle.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  servers.push(handle);
  return handle;
}

function httpServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<TestServer> {
  return listen(createServer(handler));
}

/** Waits until the server has seen every connection close; a connection left open fails on the test's timeout. */
async function allClosed(server: TestServer): Promise<void> {
  // Not `once`, which rejects on the reset the client causes when it cuts a connection off.
  await Promise.all([...server.open].map((socket) => new Promise((resolve) => socket.once('close', resolve))));
}

async function failure(promise: Promise<unknown>): Promise<OutboundError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(OutboundError);
    return error as OutboundError;
  }
  throw new Error('expected the request to fail');
}

async function timed<T>(run: () => Promise<T>): Promise<[T, number]> {
  const startedAt = Date.now();
  const result = await run();
  return [result, Date.now() - startedAt];
}

const get = (url: string, extra: Partial<OutboundRequest> = {}): OutboundRequest => ({
  method: 'GET',
  url,
  timeoutMs: 2000,
  maxResponseBytes: 64 * 1024,
  ...extra,
});

describe('OutboundClient', () => {
  let client: OutboundClient;

  beforeEach(() => {
    client = new OutboundClient({ allowPrivate: true });
  });

  afterEach(async () => {
    jest.useRealTimers();
    await client.close();
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });

  it('posts a body and returns the JSON reply with status, headers and the time the exchange took', async () => {
    // Only the monotonic clock is faked: the server moves it while it holds the request, so the duration
    // the client reports is exactly what passed between sending and the reply.
    jest.useFakeTimers({
      doNotFake: ['Date', 'hrtime', 'nextTick', 'queueMicrotask', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval', 'setTimeout', 'clearTimeout'],
    });
    const server = await httpServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        jest.advanceTimersByTime(1234);
        res.setHeader('content-type', 'application/json');
        res.setHeader('set-cookie', ['a=1', 'b=2']);
        res.end(
          JSON.stringify({
            method: req.method,
            path: req.url,
            userAgent: req.headers['user-agent'],
            custom: req.headers['x-custom'],
            body: Buffer.concat(chunks).toString(),
          }),
        );
      });
    });

    const response = await client.request({
      method: 'POST',
      url: `${server.url}/hook?token=t#fragment`,
      headers: { 'content-type': 'application/json', 'x-custom': 'yes' },
      body: '{"chatId":"1"}',
      timeoutMs: 2000,
      maxResponseBytes: 1024,
    });

    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/json');
    expect(response.headers['set-cookie']).toBe('a=1, b=2');
    expect(JSON.parse(response.body.toString())).toEqual({
      method: 'POST',
      path: '/hook?token=t',
      userAgent: `bothooks/${version}`,
      custom: 'yes',
      body: '{"chatId":"1"}',
    });
    expect(response.durationMs).toBe(1234);
  });

  it('keeps a caller-supplied user-agent and reuses the connection', async () => {
    const server = await httpServer((req, res) => res.end(req.headers['user-agent']));

    const first = await client.request(get(server.url, { headers: { 'User-Agent': 'custom/1' } }));
    // undici hands a finished connection back to its pool on the next turn of the event loop.
    await new Promise((resolve) => setImmediate(resolve));
    const second = await client.request(get(server.url, { method: 'POST', body: Buffer.from('x') }));

    expect(first.body.toString()).toBe('custom/1');
    expect(second.body.toString()).toBe(`bothooks/${version}`);
    expect(server.accepted).toBe(1);
  });

  it('returns an empty body as an empty buffer', async () => {
    const server = await httpServer((_req, res) => {
      res.statusCode = 204;
      res.end();
    });

    const response = await client.request(get(server.url));

    expect(response.status).toBe(204);
    expect(response.body).toEqual(Buffer.alloc(0));
  });

  it('returns a redirect as it is instead of following it', async () => {
    let followed = 0;
    const server = await httpServer((req, res) => {
      if (req.url === '/elsewhere') followed += 1;
      res.writeHead(302, { location: '/elsewhere' }).end('moved');
    });

    const response = await client.request(get(`${server.url}/start`));

    expect(response.status).toBe(302);
    expect(response.headers.location).toBe('/elsewhere');
    expect(response.body.toString()).toBe('moved');
    expect(followed).toBe(0);
  });

  it('gives up on a server that never answers once the deadline passes', async () => {
    const server = await httpServer(() => undefined);

    const [error, elapsed] = await timed(() => failure(client.request(get(server.url, { timeoutMs: 150 }))));

    expect(error.kind).toBe('timeout');
    expect(error.message).toBe('timeout of 150ms exceeded');
    expect(error.mayHaveReachedPeer).toBe(true);
    // Timers never fire early, so this bound cannot flake; how late they fire depends on the machine's load.
    expect(elapsed).toBeGreaterThanOrEqual(140);
    await allClosed(server);
  });

  it('keeps the deadline while waiting for a free connection, and never sends the late request', async () => {
    const paths: string[] = [];
    const held: Array<() => void> = [];
    let allHeld!: () => void;
    const poolFull = new Promise<void>((resolve) => (allHeld = resolve));
    // The server holds every /pool request until the test lets go, so the pool stays full for as long as
    // the test needs, whatever the machine's speed.
    const server = await httpServer((req, res) => {
      paths.push(req.url ?? '');
      if (req.url !== '/pool') return void res.end('ok');
      held.push(() => res.end('ok'));
      if (held.length === 128) allHeld();
    });
    const settled: string[] = [];
    const pool = Array.from({ length: 128 }, () =>
      client.request(get(`${server.url}/pool`, { timeoutMs: 30_000 })).then((response) => {
        settled.push('pool');
        return response;
      }),
    );

    const queued = await failure(client.request(get(`${server.url}/queued`, { timeoutMs: 100 })));
    settled.push('queued');

    expect(queued).toMatchObject({ kind: 'timeout', message: 'timeout of 100ms exceeded' });
    expect(settled).toEqual(['queued']);
    await poolFull;
    for (const release of held) release();
    expect((await Promise.all(pool)).every((response) => response.status === 200)).toBe(true);
    // The pool sends waiting requests in order, so had the timed-out one still been waiting, it would
    // have reached the server as soon as a connection was free, before this one.
    await client.request(get(`${server.url}/after`));
    expect(paths.filter((path) => path !== '/pool')).toEqual(['/after']);
    expect(paths.length).toBe(129);
  });

  it('counts the deadline across headers and body: headers then silence time out', async () => {
    const server = await httpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"partial":');
    });

    // Without one deadline over the whole exchange this request would hang until the test times out.
    const error = await failure(client.request(get(server.url, { timeoutMs: 200 })));

    expect(error).toMatchObject({ kind: 'timeout', message: 'timeout of 200ms exceeded' });
    await allClosed(server);
  });

  it('cuts off a slow endless body at the deadline even though bytes keep arriving', async () => {
    const server = await httpServer((_req, res) => {
      res.writeHead(200);
      const drip = setInterval(() => res.write('.'), 10);
      res.on('close', () => clearInterval(drip));
    });

    // Without one deadline over the whole exchange this request would hang until the test times out.
    const error = await failure(client.request(get(server.url, { timeoutMs: 200 })));

    expect(error).toMatchObject({ kind: 'timeout', message: 'timeout of 200ms exceeded' });
    await allClosed(server);
  });

  it('stops reading a fast endless body at the size cap', async () => {
    const server = await httpServer((_req, res) => {
      res.writeHead(200);
      const chunk = Buffer.alloc(16 * 1024, 'a');
      const pump = (): void => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
    });

    const error = await failure(client.request(get(server.url, { timeoutMs: 60_000, maxResponseBytes: 64 * 1024 })));

    expect(error).toMatchObject({ kind: 'too_large', message: 'response body exceeds 65536 bytes' });
    await allClosed(server);
  });

  it('refuses a reply whose declared length is over the cap before reading it', async () => {
    const server = await httpServer((_req, res) => {
      res.setHeader('content-length', 2048);
      res.flushHeaders();
    });

    const error = await failure(client.request(get(server.url, { maxResponseBytes: 1024 })));

    expect(error).toMatchObject({ kind: 'too_large', message: 'response body exceeds 1024 bytes' });
    await allClosed(server);
  });

  it('refuses a chunked reply that grows past the cap, and accepts one exactly at it', async () => {
    const server = await httpServer((req, res) => {
      res.write(Buffer.alloc(512, 'a'));
      res.end(Buffer.alloc(req.url === '/over' ? 513 : 512, 'b'));
    });

    const error = await failure(client.request(get(`${server.url}/over`, { maxResponseBytes: 1024 })));
    const exact = await client.request(get(`${server.url}/exact`, { maxResponseBytes: 1024 }));

    expect(error.kind).toBe('too_large');
    expect(exact.body.length).toBe(1024);
  });

  it('reports a refused connection as a connect failure', async () => {
    const server = await httpServer(() => undefined);
    const url = server.url;
    await server.close();

    const error = await failure(client.request(get(url)));

    expect(error.kind).toBe('connect');
    expect(error.message).toContain('ECONNREFUSED');
    expect(error.mayHaveReachedPeer).toBe(false);
  });

  it('reports a connection reset before any response as a connect failure', async () => {
    await httpServer((req) => req.socket.resetAndDestroy());
    const server = servers[0];

    const error = await failure(client.request(get(server.url)));

    expect(error.kind).toBe('connect');
    // The request had arrived: the peer may have acted on it.
    expect(error.mayHaveReachedPeer).toBe(true);
  });

  it('reports a body cut short as a protocol failure', async () => {
    const server = await httpServer((_req, res) => {
      res.setHeader('content-length', 100);
      res.write('only a little', () => res.socket?.destroy());
    });

    const error = await failure(client.request(get(server.url)));

    expect(error.kind).toBe('protocol');
  });

  it('reports a reply that is not HTTP as a protocol failure', async () => {
    const server = await listen(
      createTcpServer((socket) => {
        socket.once('data', () => socket.end('SSH-2.0-OpenSSH_9.6\r\n\r\n'));
      }),
    );

    const error = await failure(client.request(get(server.url)));

    expect(error.kind).toBe('protocol');
    expect(error.message).toMatch(/^invalid HTTP response: /);
  });

  it('refuses to send a header that would split the request', async () => {
    const server = await httpServer((_req, res) => res.end('ok'));

    const error = await failure(client.request(get(server.url, { headers: { 'x-note': 'a\r\nx-injected: 1' } })));

    expect(error).toMatchObject({ kind: 'protocol', message: 'invalid request: invalid x-note header' });
    expect(server.accepted).toBe(0);
  });

  it('refuses bad URLs without a request', async () => {
    await expect(client.request(get('ftp://127.0.0.1/'))).rejects.toMatchObject({ kind: 'invalid_url', mayHaveReachedPeer: false });
    await expect(client.request(get('http://user:pass@127.0.0.1/'))).rejects.toMatchObject({
      kind: 'invalid_url',
      message: 'url must not contain credentials',
    });
    await expect(client.request(get('::not a url'))).rejects.toBeInstanceOf(OutboundError);
  });

  it('leaves no connection open once closed', async () => {
    const server = await httpServer((_req, res) => res.end('ok'));
    await Promise.all([1, 2, 3].map(() => client.request(get(server.url))));
    expect(server.open.size).toBeGreaterThan(0);

    await client.close();

    await allClosed(server);
  });

  describe('with private addresses refused', () => {
    let guarded: OutboundClient;

    beforeEach(() => {
      guarded = new OutboundClient({ allowPrivate: false });
    });

    afterEach(() => guarded.close());

    it.each([
      ['an IP literal', (port: string) => `http://127.0.0.1:${port}/`],
      ['an odd IPv4 spelling', (port: string) => `http://2130706433:${port}/`],
      ['an IPv4-mapped IPv6 literal', (port: string) => `http://[::ffff:127.0.0.1]:${port}/`],
      ['a name reserved for loopback', (port: string) => `http://localhost:${port}/`],
    ])('blocks %s without opening a connection', async (_case, urlFor) => {
      const server = await httpServer((_req, res) => res.end('reached'));
      const port = new URL(server.url).port;

      const error = await failure(guarded.request(get(urlFor(port))));

      expect(error.kind).toBe('blocked');
      expect(error.mayHaveReachedPeer).toBe(false);
      expect(error.message).toMatch(/^url (resolves to|names a host reserved for) a loopback address \(/);
      expect(server.accepted).toBe(0);
    });

    it('checks every call at connect time, not once per client', async () => {
      const server = await httpServer((_req, res) => res.end('reached'));
      const port = new URL(server.url).port;

      for (let i = 0; i < 3; i += 1) {
        await expect(guarded.request(get(`http://localhost:${port}/`))).rejects.toMatchObject({ kind: 'blocked' });
      }
      expect(server.accepted).toBe(0);
    });
  });
});
