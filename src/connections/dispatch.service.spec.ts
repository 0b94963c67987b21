import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ChangeNotices } from '../common/change-notices';
import { OutboundClient } from '../common/outbound/outbound-client';
import { SecretBox } from '../common/secret-box';
import { generateSigningSecret } from '../common/signing';
import type { Sql } from '../database/sql';
import { MetricsService } from '../metrics/metrics.service';
import { ResponseValidator } from '../responses/response-validator';
import { ConnectionCache } from './connection-cache';
import { DispatchService } from './dispatch.service';
import type { ConnectionRow } from './prepared-connection';

/*
 * The speed promise of the dispatch path, checked where it can be seen: what touches the database, and
 * when. The database is a recording stand-in here; the e2e suite covers the real one.
 */
describe('DispatchService round trips', () => {
  const secrets = new SecretBox(randomBytes(32));
  const admin = { kind: 'admin', keyId: 'k' } as const;
  let server: Server;
  let client: OutboundClient;
  let events: string[];
  let service: DispatchService;

  beforeEach(async () => {
    events = [];
    server = createServer((req, res) => {
      events.push('backend');
      req.resume();
      req.on('end', () => res.end('{"responses":[{"type":"text","message":"ok"}]}'));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const row: ConnectionRow = {
      id: 'c'.repeat(24),
      bot_id: 'b'.repeat(24),
      name: 'Backend',
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
      token: secrets.seal('tok'),
      headers: null,
      auth: null,
      timeout_ms: 2000,
      verification: 'passed',
      signing_secret: secrets.seal(generateSigningSecret()),
    };
    const sql = {
      query: async (text: string, values: unknown[]) => {
        const read = text.trimStart().startsWith('SELECT');
        events.push(read ? 'sql:read connection' : 'sql:record delivery');
        return read ? [row] : (values[0] as string[]).map((id) => ({ id }));
      },
    } as unknown as Sql;
    client = new OutboundClient({ allowPrivate: true });
    service = new DispatchService(new ConnectionCache(sql, secrets, new ChangeNotices()), client, new ResponseValidator(), sql, new MetricsService(), {
      circuitFailures: 5,
      circuitCooldownMs: 1000,
    });
  });

  afterEach(async () => {
    await client.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('reads nothing before calling the backend once the connection is cached, and writes once after', async () => {
    const first = await service.dispatch(admin, 'c'.repeat(24), { chatId: '1', userId: '2' });
    const second = await service.dispatch(admin, 'c'.repeat(24), { chatId: '1', userId: '2' });
    expect(first.responses).toEqual([{ type: 'text', message: 'ok', delay: 1000 }]);
    expect(second.deliveryId).not.toBe(first.deliveryId);
    expect(events).toEqual([
      'sql:read connection',
      'backend',
      'sql:record delivery',
      'backend',
      'sql:record delivery',
    ]);
  });

  it('refuses another bot\'s connection as not found, without calling anything', async () => {
    await expect(service.dispatch({ kind: 'bot', keyId: 'k', botId: 'a'.repeat(24) }, 'c'.repeat(24), { chatId: '1', userId: '2' })).rejects.toMatchObject({
      status: 404,
    });
    expect(events).toEqual(['sql:read connection']);
  });
});
