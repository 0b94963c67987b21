import { rawRequest } from '../utils/raw-http';
import { Admin, expectStatus } from './utils/api';
import { AppProcess } from './utils/app-process';

/**
 * An issued URL is a credential however its path is spelled: the request log of `node dist/main.js`
 * shows none of its token or signature, for every request-target form a caller (or a scanner) may use.
 */
describe('issued URLs in the request log', () => {
  let app: AppProcess;
  let admin: Admin;

  beforeAll(async () => {
    app = await AppProcess.start('log-redaction', { LOG_LEVEL: 'info' });
    admin = new Admin(app);
  });
  afterAll(async () => {
    await admin.close();
    await app.stop();
  });

  it('logs /w/[redacted] for origin, absolute, doubled-slash, escaped and upper-case forms, and no token', async () => {
    const bot = await admin.createBot();
    const issued = await admin.http.post('/v1/webhooks', bot.apiKey, { command: '/logged', mode: 'async', params: { order: '7' } });
    expectStatus(issued, 201, 'issuing a URL');
    const path: string = issued.body.url.slice(issued.body.url.indexOf('/w/'));
    const token = path.slice('/w/'.length).split('?')[0];
    const signature = token.split('.').pop()!;
    const host = new URL(app.url).host;
    const forms: [string, number][] = [
      [path, 202],
      [`http://${host}${path}`, 202],
      [`/${path}`, 404],
      [`/%77/${path.slice(3)}`, 404],
      [`/W/${path.slice(3)}`, 404],
      [`http://${host}//w/${path.slice(3)}`, 404],
    ];
    for (const [target, status] of forms) expect([target, (await rawRequest(app.url, `GET ${target} HTTP/1.1`)).status]).toEqual([target, status]);

    // What is still buffered is written at exit.
    await app.stop();
    const lines = app
      .log()
      .split('\n')
      .filter((line) => line.includes('"request completed"'))
      .map((line) => JSON.parse(line));
    expect(lines.filter((line) => line.req.path === '/w/[redacted]')).toHaveLength(forms.length);
    const log = app.log();
    expect(log).not.toContain(signature);
    expect(log).not.toContain(token.split('.')[2]);
  });
});
