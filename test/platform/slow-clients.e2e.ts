import { RawClient } from '../utils/raw-http';
import { startApp, TestApp } from '../utils/test-app';

/** HTTP_HEADERS_TIMEOUT_MS, HTTP_REQUEST_TIMEOUT_MS and HTTP_MAX_CONNECTIONS, on the server createApp builds. */
describe('slow clients', () => {
  describe('deadlines', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startApp({ HTTP_HEADERS_TIMEOUT_MS: '500', HTTP_REQUEST_TIMEOUT_MS: '1000' });
    });
    afterAll(async () => {
      await t.close();
    });

    it('cuts off a client that sends half its headers once HTTP_HEADERS_TIMEOUT_MS is over', async () => {
      const client = await RawClient.open(t.url);
      client.write('GET /health HTTP/1.1\r\nhost: 127.0.0.1\r\nx-slow: ');
      const elapsed = await client.closed;
      expect(elapsed).toBeGreaterThanOrEqual(500);
      expect(elapsed).toBeLessThan(10_000);
      expect(client.text).toMatch(/^HTTP\/1\.1 408/);
    });

    it('cuts off a client that dribbles its body once HTTP_REQUEST_TIMEOUT_MS is over', async () => {
      const client = await RawClient.open(t.url);
      client.write(`POST /v1/bots HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer ${t.adminKey}\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"name":"`);
      // One byte every 100 ms, as a slow-loris client sends; it would need 100 s to finish.
      const dribble = setInterval(() => client.socket.writable && client.write('x'), 100);
      try {
        const elapsed = await client.closed;
        expect(elapsed).toBeGreaterThanOrEqual(1000);
        expect(elapsed).toBeLessThan(10_000);
      } finally {
        clearInterval(dribble);
      }
      const { rows } = await t.db.query(`SELECT count(*)::int AS n FROM bots WHERE name LIKE 'xxx%'`);
      expect(rows[0].n).toBe(0);
    });
  });

  it('closes a socket past HTTP_MAX_CONNECTIONS and serves the ones within it', async () => {
    const t = await startApp({ HTTP_MAX_CONNECTIONS: '3' });
    const clients: RawClient[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        const client = await RawClient.open(t.url);
        clients.push(client);
        // An answer proves the server took this socket in before the next one arrives.
        client.write('GET /health HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n');
        expect((await client.response()).status).toBe(200);
      }
      const extra = await RawClient.open(t.url);
      clients.push(extra);
      extra.write('GET /health HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n');
      await extra.closed;
      expect(extra.text).toBe('');
      expect(clients.slice(0, 3).every((client) => !client.socket.destroyed)).toBe(true);
    } finally {
      for (const client of clients) client.destroy();
      await t.close();
    }
  });
});
