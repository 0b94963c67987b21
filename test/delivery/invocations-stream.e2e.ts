import { request as httpRequest, IncomingMessage } from 'node:http';
import { startAppWithRuntime, type RuntimeApp } from '../utils/runtime-app';
import { bearer, TestApp, TestBot } from '../utils/test-app';

/** A plain HTTP client reading the event stream as it comes, chunk by chunk. */
class EventReader {
  text = '';
  private waiters: { test: () => boolean; resolve: () => void }[] = [];

  constructor(readonly res: IncomingMessage) {
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      this.text += chunk;
      this.waiters = this.waiters.filter((w) => (w.test() ? (w.resolve(), false) : true));
    });
  }

  static open(url: string, key: string | null): Promise<EventReader> {
    return new Promise((resolve, reject) => {
      const req = httpRequest(url, { headers: key === null ? {} : { authorization: `Bearer ${key}` } }, (res) => resolve(new EventReader(res)));
      req.on('error', reject);
      req.end();
    });
  }

  /** The `invocation` events so far, parsed. */
  get events(): Record<string, any>[] {
    return this.text
      .split('\n\n')
      .filter((block) => block.startsWith('event: invocation\n'))
      .map((block) => JSON.parse(block.split('\n').find((line) => line.startsWith('data: '))!.slice(6)));
  }

  until(test: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    if (test()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the stream never showed ${what}; it said:\n${this.text}`)), timeoutMs);
      this.waiters.push({ test, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }

  close(): void {
    this.res.destroy();
  }
}

describe('GET /v1/invocations/stream: invocations as they happen', () => {
  let fixture: RuntimeApp;
  let t: TestApp;
  let bot: TestBot;
  const readers: EventReader[] = [];
  const open = async (query: string, key: string | null) => {
    const reader = await EventReader.open(`${t.url}/v1/invocations/stream${query}`, key);
    readers.push(reader);
    return reader;
  };
  const call = async (forBot: TestBot, body: Record<string, unknown> = {}) => {
    const issued = await t.http.post('/v1/webhooks').set(...bearer(forBot.apiKey)).send({ command: '/stream', ...body });
    const url: string = issued.body.url;
    const res = await fetch(t.url + url.slice(url.indexOf('/w/')));
    return { webhookId: issued.body.webhookId as string, res };
  };

  beforeAll(async () => {
    fixture = await startAppWithRuntime({ STREAM_HEARTBEAT_MS: '50', WEBHOOK_IP_ALLOWLIST: '127.0.0.1' });
    ({ t, bot } = fixture);
    fixture.runtime.onDelivery = () => ({ body: { messages: ['hello from the runtime'] } });
  });
  afterEach(() => readers.splice(0).forEach((reader) => reader.close()));
  afterAll(() => fixture.close());

  it('is an event stream that sends each new invocation and its change of status', async () => {
    const stream = await open(`?botId=${bot.id}`, t.adminKey);
    expect(stream.res.statusCode).toBe(200);
    expect(stream.res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(stream.res.headers['cache-control']).toBe('no-store');
    const { webhookId, res } = await call(bot);
    expect(res.status).toBe(200);
    const mine = () => stream.events.filter((e) => e.webhookId === webhookId);
    await stream.until(() => mine().some((e) => e.status === 'answered'), 'the answered invocation');
    const answered = mine().find((e) => e.status === 'answered')!;
    expect(answered).toMatchObject({ botId: bot.id, command: '/stream', answer: 'hello from the runtime', attempts: 1, finishedAt: expect.any(String) });
    const [row] = (await t.db.query('SELECT id, status FROM invocations WHERE webhook_id = $1', [webhookId])).rows;
    expect(answered.id).toBe(row.id);
    // The event's id line is the invocation's, so a reader can tell repeats apart.
    expect(stream.text).toContain(`id: ${row.id}\n`);
  });

  it('shows an async call queued, then delivered by the background worker', async () => {
    const stream = await open(`?botId=${bot.id}`, bot.apiKey);
    let webhookId = '';
    const mine = () => stream.events.filter((e) => e.webhookId === webhookId).map((e) => e.status);
    // The runtime answers only once the stream has shown the call waiting: a stream reads each row back as
    // it is stored, so a delivery done first (by any instance's worker) would leave only its last state to show.
    const shownQueued = stream.until(() => mine().includes('queued'), 'the queued invocation');
    const answer = fixture.runtime.onDelivery;
    fixture.runtime.onDelivery = (delivery) => {
      const reply = answer(delivery);
      return reply === 'hang' ? reply : { ...reply, until: shownQueued };
    };
    try {
      const called = await call(bot, { mode: 'async' });
      webhookId = called.webhookId;
      expect(called.res.status).toBe(202);
      await stream.until(() => mine().includes('delivered'), 'the delivered invocation');
      expect(mine()[0]).toBe('queued');
    } finally {
      fixture.runtime.onDelivery = answer;
    }
  });

  it('shows a waiting call dropped from the update queue', async () => {
    const pull = await t.createBot();
    const stream = await open('', pull.apiKey);
    const { webhookId, res } = await call(pull, { mode: 'async' });
    expect(res.status).toBe(202);
    const mine = () => stream.events.filter((e) => e.webhookId === webhookId);
    await stream.until(() => mine().some((e) => e.status === 'queued'), 'the queued invocation');
    const drop = await t.http.post('/v1/updates/drop').set(...bearer(pull.apiKey));
    expect(drop.body).toEqual({ dropped: 1 });
    await stream.until(() => mine().some((e) => e.status === 'dropped'), 'the dropped invocation');
    expect(mine().find((e) => e.status === 'dropped')).toMatchObject({ botId: pull.id, finishedAt: expect.any(String), nextAttemptAt: null });
  });

  it('keeps an idle stream open with a comment line', async () => {
    // A bot of its own, with no calls: every instance on the database shows its calls on an admin's stream.
    const idle = await t.createBot();
    const stream = await open(`?botId=${idle.id}`, t.adminKey);
    await stream.until(() => stream.text.includes(': keep-alive\n\n'), 'a keep-alive comment');
    expect(stream.events).toEqual([]);
  });

  it("shows a bot key its own bot's invocations only", async () => {
    const other = await t.createBot({ runtimeUrl: fixture.runtime.url });
    const stream = await open('', other.apiKey);
    const admin = await open('', t.adminKey);
    const first = await call(bot);
    await admin.until(() => admin.events.some((e) => e.webhookId === first.webhookId), "the first bot's call on the admin stream");
    const second = await call(other);
    await stream.until(() => stream.events.length > 0, "the other bot's call");
    expect(stream.events.every((e) => e.botId === other.id)).toBe(true);
    expect(stream.events[0].webhookId).toBe(second.webhookId);
  });

  it("refuses another bot's id to a bot key (404) and a missing key (401)", async () => {
    const other = await t.createBot();
    const foreign = await t.http.get(`/v1/invocations/stream?botId=${other.id}`).set(...bearer(bot.apiKey));
    expect(foreign.status).toBe(404);
    const anonymous = await open('', null);
    expect(anonymous.res.statusCode).toBe(401);
    const bad = await t.http.get('/v1/invocations/stream?botId=nope').set(...bearer(t.adminKey));
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([{ path: 'botId', message: 'botId must be 24 lowercase hex characters' }]);
  });
});
