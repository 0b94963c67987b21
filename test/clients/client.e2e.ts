import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { cards, goto, postback, quickReplies, reply, text, verifyDispatch } from '@bothooks/client';
import { main } from './client-program/program';
import { FakeBackend } from '../utils/backend';
import { bearer, startApp, TestApp } from '../utils/test-app';

const PROGRAM = join(__dirname, 'client-program');

describe('@bothooks/client against the real app', () => {
  let t: TestApp;
  let backend: FakeBackend;

  beforeAll(async () => {
    t = await startApp();
    backend = await FakeBackend.start();
  });
  afterAll(async () => {
    await backend.close();
    await t.close();
  });

  it('type-checks a program written in the contract words under --strict, with no casts and no any', async () => {
    const tsc = join(__dirname, '..', '..', 'node_modules', 'typescript', 'bin', 'tsc');
    const result = await promisify(execFile)(process.execPath, [tsc, '--strict', '--noEmit', '-p', join(PROGRAM, 'tsconfig.json')]).catch((error: { code: number; stdout: string }) => error);
    expect(result).toMatchObject({ stdout: '' });
    expect('code' in result ? result.code : 0).toBe(0);
    const source = readFileSync(join(PROGRAM, 'program.ts'), 'utf8');
    expect(source).not.toMatch(/\bas\s/);
    expect(source).not.toMatch(/\bany\b/);
  });

  it('runs the program: a bot, a URL called through the runtime kit, its invocation, a dispatch, a validated reply and typed errors', async () => {
    backend.onMessage = () => ({ body: reply({ responses: [text('Your order shipped'), cards({ title: 'Order 7', subtitle: 'Shipped', imageUrl: 'https://shop.example/7.png', buttons: [postback('Track', 'track')] })] }) });

    const report = await main({ baseUrl: t.url, adminKey: t.adminKey, backendUrl: backend.url('/chatbot') });

    expect(report.called).toEqual({ status: 200, command: '/onWebhook', body: { page: '2', user: '42' } });
    expect(report.seen).toEqual([{ content: '{"order":7}', page: '2', issued: { order: 7 } }]);
    expect(report.invocations).toBe(1);
    expect(report.invocation).toEqual({ status: 'answered', command: '/onWebhook', userId: '42', params: { page: '2' } });
    expect(report.dispatched.responses).toEqual([
      { type: 'text', delay: 1000, message: 'Your order shipped' },
      { type: 'cards', delay: 1000, elements: [{ title: 'Order 7', subtitle: 'Shipped', imageUrl: 'https://shop.example/7.png', buttons: [{ type: 'postback', title: 'Track', value: 'track' }] }] },
    ]);
    expect(report.validated).toMatchObject({ valid: true });
    expect(report.missing).toBe('404 not_found reason=none');
    expect(report.refused).toMatch(/^400 /);

    const [received] = backend.messages;
    const dispatch = verifyDispatch(received.headers, received.body, report.connection.signingSecret);
    expect(dispatch).toMatchObject({ chatId: 'c1', userId: 'u1', node: { type: 'WEBHOOK', webhookId: report.connection.id, webhookName: 'Orders' } });
    expect(received.headers['webhook-id']).toBe(report.dispatched.deliveryId);
  });

  it('builds replies the validator accepts unchanged but for defaults', async () => {
    const built = reply({ responses: [quickReplies('Pick one', [postback('Track', 'track'), goto('Talk to us', '3f2b8a4c-1d2e-4f5a-9b6c-7d8e9f0a1b2c')])] });
    const res = await t.http.post('/v2/responses/validate').set(...bearer(t.adminKey)).send(built);
    expect(res.status).toBe(200);
    expect(res.body.normalized).toEqual({ ...built, attributes: {} });
  });
});
