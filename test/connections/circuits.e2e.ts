import { Clock } from '../../src/common/clock';
import { FakeBackend } from '../utils/backend';
import { bearer, startApp, TestApp } from '../utils/test-app';

const BASE = '/v2/integrations/webhook';
const COOLDOWN_MS = 60_000;
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * §4.3: a connection's circuit is one for all instances, kept in Postgres, or in Redis with REDIS_URL. An
 * instance that starts while a circuit is open fails fast at once, and after the cooldown exactly one
 * trial call goes out, whichever instances are called.
 */
describe.each([
  ['Postgres', {}],
  ['Redis', { REDIS_URL }],
])('connections: one circuit for all instances, kept in %s', (_store, env: Record<string, string>) => {
  let a: TestApp;
  let b: TestApp | undefined;
  let backend: FakeBackend;
  let now = Date.now();

  beforeAll(async () => {
    [a, backend] = await Promise.all([startApp({ ...env, CIRCUIT_COOLDOWN_MS: String(COOLDOWN_MS) }), FakeBackend.start()]);
    a.app.get(Clock).now = () => now;
  });
  afterAll(async () => {
    await Promise.all([a.close(), b?.close(), backend.close()]);
  });

  const dispatch = (t: TestApp, id: string) => t.http.post(`${BASE}/${id}/dispatch`).set(...bearer(t.adminKey)).send({ chatId: 'c', userId: 'u' });

  it('fails fast on an instance started after the circuit opened, and lets one trial through cluster-wide after the cooldown', async () => {
    const bot = await a.createBot();
    const created = await a.http.post(BASE).set(...bearer(a.adminKey)).send({ storyId: bot.id, name: 'flaky', url: backend.url('/flaky') });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    backend.onMessage = () => ({ status: 500 });
    for (let i = 0; i < 5; i++) expect((await dispatch(a, id)).status).toBe(502);

    b = await startApp({ ...env, CIRCUIT_COOLDOWN_MS: String(COOLDOWN_MS) });
    b.app.get(Clock).now = () => now;
    const onB = await dispatch(b, id);
    expect(onB.status).toBe(503);
    expect(onB.body.status.reason).toBe('circuit_open');
    expect(backend.messages).toHaveLength(5);

    now += COOLDOWN_MS;
    // Slow enough that every call below is in flight while the trial is.
    backend.onMessage = () => ({ body: { responses: [] }, delayMs: 1500 });
    const calls = await Promise.all([a, b, a, b, a, b].map((t) => dispatch(t, id)));
    expect(calls.map((res) => res.status).sort()).toEqual([200, 503, 503, 503, 503, 503]);
    expect(backend.messages).toHaveLength(6);
  });
});
