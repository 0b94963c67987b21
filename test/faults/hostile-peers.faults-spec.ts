import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { Admin, expectStatus } from './utils/api';
import { AppProcess } from './utils/app-process';
import { waitFor } from './utils/async-load';
import { Http } from './utils/http';
import { Peer } from './utils/peers';
import { recordFigures } from './utils/run';

const TIMEOUT_MS = 1000;
/**
 * "Its timeout plus a little": scheduling, the database round trips, a loaded 2-core machine. A peer that
 * is not cut off at the deadline holds the exchange for as long as it likes (the endless ones: for ever),
 * so the margin only has to be well under that; one run on a slow day answered 1.7 s past the deadline.
 */
const MARGIN_MS = 2500;
const TEN_MB = 10 * 1024 * 1024;

/** A valid reply for each kind of peer, so that only the hostile part can make it fail. */
const VALID_REPLY = { backend: '{"responses": [{"type": "text", "message": "hi"}]}', runtime: '{"messages": ["hi"]}' };
type Kind = keyof typeof VALID_REPLY;

type Behaviour = (req: IncomingMessage, res: ServerResponse, socket: Socket, kind: Kind) => void;

/** What hostile peers do, each on its own path of one server. */
const BEHAVIOURS: Record<string, Behaviour> = {
  'headers then silence': (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.flushHeaders();
  },
  'no answer at all': () => undefined,
  'endless body': (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    const chunk = Buffer.alloc(16 * 1024, 'a');
    const pump = () => {
      while (!res.destroyed && res.write(chunk));
      if (!res.destroyed) res.once('drain', pump);
    };
    res.write('{"responses": ["');
    pump();
  },
  'endless trickle': (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    const timer = setInterval(() => (res.destroyed ? clearInterval(timer) : res.write(' ')), 50);
    res.on('close', () => clearInterval(timer));
  },
  'invalid UTF-8': (_req, res, _socket, kind) => {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
    const [before, after] = VALID_REPLY[kind].split('hi');
    res.end(Buffer.concat([Buffer.from(before), Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80]), Buffer.from(after)]));
  },
  'redirect loop': (req, res) => {
    res.writeHead(302, { location: req.url ?? '/' }).end();
  },
  'reset connection': (_req, _res, socket) => {
    socket.resetAndDestroy();
  },
  '10 MB reply': (_req, res, _socket, kind) => {
    const body = Buffer.alloc(TEN_MB, ' ');
    body.write(VALID_REPLY[kind]);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(TEN_MB) }).end(body);
  },
  '10 MB reply without a length': (_req, res, _socket, kind) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write(VALID_REPLY[kind]);
    for (let i = 0; i < 10; i++) res.write(Buffer.alloc(1024 * 1024, ' '));
    res.end();
  },
  'NUL bytes': (_req, res, _socket, kind) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(`${VALID_REPLY[kind]}\u0000\u0000`);
  },
};

/**
 * Check 4: chatbot backends (dispatch) and bot runtimes (sync and async calls of issued URLs) that
 * misbehave in every way we could think of. Each exchange ends in a clean 502/503/504 envelope within its
 * timeout plus a little, and afterwards the app holds no socket to the peer and no more timers than before.
 */
describe('hostile backends and runtimes', () => {
  let app: AppProcess;
  let admin: Admin;
  let http: Http;
  let peer: Peer;

  beforeAll(async () => {
    peer = await Peer.start((req, res, socket) => {
      const [, kind, name] = new URL(req.url ?? '/', 'http://peer').pathname.split('/');
      req.resume();
      BEHAVIOURS[decodeURIComponent(name)](req, res, socket, kind as Kind);
    });
    // One retry far away: the async case makes its first attempt and then leaves the peer alone.
    app = await AppProcess.start('hostile-peers', { RUNTIME_TIMEOUT_MS: String(TIMEOUT_MS), RETRY_SCHEDULE: '3600' });
    admin = new Admin(app);
    http = new Http(app.url, 16);
  });

  afterAll(async () => {
    await http.close();
    await admin.close();
    await peer.close();
    await app.stop();
  });

  // Outbound sockets other than the database pool's: what a peer could make the app hold on to.
  const outbound = (app: AppProcess) => app.sockets().filter((s) => s.state !== 'LISTEN' && s.localPort !== app.port && s.remotePort !== Number(new URL(app.env.DATABASE_URL).port || 5432));

  it('ends every exchange with a hostile peer cleanly, in time, and lets go of it', async () => {
    const timersBefore = await activeTimers(http);
    const socketsBefore = outbound(app).length;
    const allSocketsBefore = app.sockets().length;
    const bot = await admin.createBot({ name: 'hostile' });
    const outcomes: string[] = [];
    const wrong: string[] = [];
    for (const name of Object.keys(BEHAVIOURS)) {
      const path = encodeURIComponent(name);

      // A connection to a hostile backend, dispatched twice (the circuit stays closed below 5 failures).
      const created = await http.post('/v2/integrations/webhook', admin.key, { storyId: bot.id, name, url: peer.url(`/backend/${path}`), timeoutMs: TIMEOUT_MS });
      expectStatus(created, 201, 'creating a connection');
      for (let i = 0; i < 2; i++) {
        const res = await http.post(`/v2/integrations/webhook/${created.body.id}/dispatch`, bot.apiKey, { chatId: 'c', userId: 'u' });
        judge(`dispatch to ${name}`, res.status, res.body, res.ms, [502, 504]);
      }

      // A bot whose runtime is that peer, called through a sync URL and an async one.
      const runtimeBot = await admin.createBot({ name: `runtime ${name}`, runtimeUrl: peer.url(`/runtime/${path}`) });
      const sync = await http.post('/v1/webhooks', runtimeBot.apiKey, { command: '/hostile' });
      const res = await http.post(sync.body.url, undefined, 'ping');
      judge(`sync call with runtime ${name}`, res.status, res.body, res.ms, [503]);
      const async = await http.post('/v1/webhooks', runtimeBot.apiKey, { command: '/hostile', mode: 'async' });
      const accepted = await http.post(async.body.url, undefined, 'ping');
      expect(accepted.status).toBe(202);
      let invocation = (await http.get(`/v1/invocations/${accepted.body.invocationId}`, runtimeBot.apiKey)).body;
      await waitFor(async () => {
        invocation = (await http.get(`/v1/invocations/${accepted.body.invocationId}`, runtimeBot.apiKey)).body;
        return invocation.attempts !== 0;
      }, TIMEOUT_MS + 5000);
      if (invocation.attempts !== 1 || invocation.status !== 'queued' || !invocation.error) wrong.push(`async call with runtime ${name}: ${JSON.stringify(invocation)}`);
      else outcomes.push(`async call with runtime ${name}: attempt failed with "${invocation.error}"`);
    }

    function judge(what: string, status: number, body: any, ms: number, allowed: number[]) {
      const clean = allowed.includes(status) && body?.status?.code === status && typeof body?.status?.message === 'string';
      if (!clean || ms > TIMEOUT_MS + MARGIN_MS) wrong.push(`${what}: ${status} after ${Math.round(ms)} ms: ${JSON.stringify(body).slice(0, 200)}`);
      else outcomes.push(`${what}: ${status} "${body.status.message}" after ${Math.round(ms)} ms`);
    }

    expect(wrong).toEqual([]);
    // Nothing of the peers' is held: sockets to the peer close, no extra sockets or timers linger.
    await waitFor(() => app.socketsTo(peer.port).length === 0 && peer.sockets.size === 0, 10_000);
    expect(app.socketsTo(peer.port)).toEqual([]);
    expect(peer.sockets.size).toBe(0);
    const socketsAfter = outbound(app).length;
    const allSocketsAfter = app.sockets().length;
    expect(socketsAfter).toBeLessThanOrEqual(socketsBefore);
    const timersAfter = await activeTimers(http);
    expect(timersAfter).toBeLessThanOrEqual(timersBefore + 2);
    expect(app.alive()).toBe(true);
    recordFigures('hostile peers', {
      exchanges: outcomes.length,
      unclean: wrong.length,
      socketsBefore,
      socketsAfter,
      allSocketsBefore,
      allSocketsAfter,
      timersBefore,
      timersAfter,
      slowestMs: Math.max(...outcomes.map((o) => Number(/after (\d+) ms/.exec(o)?.[1] ?? 0))),
    });
  });
});

/** Timers alive in the app, as its own /metrics reports them. */
async function activeTimers(http: Http): Promise<number> {
  const metrics = await http.get('/metrics');
  const match = /^nodejs_active_resources\{type="Timeout"\} (\d+)/m.exec(metrics.text);
  if (!match) throw new Error('the app does not report its active timers');
  return Number(match[1]);
}
