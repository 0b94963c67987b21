import { startAppWithRuntime, type RuntimeApp } from '../utils/runtime-app';
import { FakeRuntime } from '../utils/runtime';
import { bearer, TestApp, TestBot } from '../utils/test-app';

describe('webhooks: one Idempotency-Key, calls at once (sync)', () => {
  let t: TestApp;
  let runtime: FakeRuntime;
  let bot: TestBot;
  let fixture: RuntimeApp;

  beforeAll(async () => {
    fixture = await startAppWithRuntime({ WEBHOOK_IP_ALLOWLIST: '127.0.0.1' });
    ({ t, runtime, bot } = fixture);
  });
  afterAll(() => fixture.close());

  it('answers a second call 409 idempotency_in_flight while the first is at the runtime, then replays the first answer', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    runtime.onDelivery = () => ({ body: { messages: ['paid'] }, until: held });
    const issued = await t.http.post('/v1/webhooks').set(...bearer(bot.apiKey)).send({ command: '/pay' });
    expect(issued.status).toBe(201);
    const path = (issued.body.url as string).slice((issued.body.url as string).indexOf('/w/'));
    const call = () => t.http.post(path).set('idempotency-key', 'order-7').send('pay');

    const first = call().then((res) => res);
    await runtime.received(1);
    const second = await call();
    expect(second.status).toBe(409);
    expect(second.headers['retry-after']).toBe('1');
    expect(second.body.status).toMatchObject({ code: 409, reason: 'idempotency_in_flight' });

    release();
    const answered = await first;
    expect(answered.status).toBe(200);
    expect(answered.body).toEqual({ answer: 'paid', messages: ['paid'] });
    expect(answered.headers['idempotent-replayed']).toBeUndefined();

    const third = await call();
    expect(third.status).toBe(200);
    expect(third.body).toEqual(answered.body);
    expect(third.headers['idempotent-replayed']).toBe('true');
    expect(runtime.deliveries).toHaveLength(1);
    const { rows } = await t.db.query('SELECT count(*)::int AS n FROM invocations WHERE webhook_id = $1', [issued.body.webhookId]);
    expect(rows[0].n).toBe(1);
  });
});
