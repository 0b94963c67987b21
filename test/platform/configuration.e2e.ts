import request from 'supertest';
import { createApp, CreatedApp } from '../../src/app.factory';
import { bearer, testEnv } from '../utils/test-app';

/** Calls one freshly issued URL `calls` times at once from one client address; returns the statuses, sorted. */
async function burst({ app }: CreatedApp, calls: number): Promise<{ statuses: number[]; refusal: string }> {
  const http = request(app.getHttpServer());
  const bot = await http.post('/v1/bots').set(...bearer(testEnv().ADMIN_API_KEY!)).send({ name: 'limited' });
  const issued = await http.post('/v1/webhooks').set(...bearer(bot.body.apiKey)).send({ command: '/limited', mode: 'async' });
  const path = issued.body.url.slice(issued.body.url.indexOf('/w/'));
  const responses = await Promise.all(Array.from({ length: calls }, () => http.get(path)));
  return { statuses: responses.map((res) => res.status).sort(), refusal: responses.find((res) => res.status === 429)?.body.status.message };
}

describe('configuration', () => {
  it('boots two apps at once with different RATE_LIMIT_PER_IP, each honouring its own', async () => {
    const started = await Promise.allSettled([
      createApp(testEnv({ RATE_LIMIT_PER_IP: '2', RATE_LIMIT_PER_WEBHOOK: '1000' })),
      createApp(testEnv({ RATE_LIMIT_PER_IP: '4', RATE_LIMIT_PER_WEBHOOK: '1000' })),
    ]);
    const apps = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    try {
      expect(started.map((result) => (result.status === 'rejected' ? String(result.reason) : result.status))).toEqual(['fulfilled', 'fulfilled']);
      const [two, four] = await Promise.all([burst(apps[0], 6), burst(apps[1], 6)]);
      expect(two.statuses).toEqual([202, 202, 429, 429, 429, 429]);
      expect(two.refusal).toContain('more than 2 calls per second');
      expect(four.statuses).toEqual([202, 202, 202, 202, 429, 429]);
      expect(four.refusal).toContain('more than 4 calls per second');
    } finally {
      await Promise.all(apps.map(({ app }) => app.close()));
    }
  });
});
