import { join } from 'node:path';
import { readConfiguration } from './configuration';
import { ConfigError } from './env';

const KEY = Buffer.alloc(32, 7).toString('base64');
const ADMIN = `bh_admin_${'a'.repeat(43)}`;

/** The problems readConfiguration reports for env, or [] when it accepts it. */
function problems(env: Record<string, string>): string[] {
  try {
    readConfiguration(env);
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems;
  }
}

describe('readConfiguration', () => {
  it('has the documented defaults when nothing is set', () => {
    const { webhooks, ...rest } = readConfiguration({});
    expect(rest).toEqual({
      app: { port: 3000, publicUrl: 'http://localhost:3000', logLevel: 'info', trustProxy: false },
      http: { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, maxConnections: 10_000 },
      database: { url: undefined, dataDir: './data', purgeBatchSize: 5000, purgePauseMs: 50 },
      security: { encryptionKey: undefined, adminApiKey: undefined, outboundAllowPrivate: false, authFailuresPerMinute: 60 },
      connections: { circuitFailures: 5, circuitCooldownMs: 30_000 },
      retention: { invocationDays: 30, deliveryDays: 30 },
      // Beside the compiled configuration: dist/console once built.
      console: { dir: join(__dirname, '..', 'console'), streamHeartbeatMs: 15_000 },
    });
    expect(webhooks).toMatchObject({
      runtimeTimeoutMs: 10_000,
      maxBodyBytes: 1024 * 1024,
      rateLimitPerIp: 50,
      rateLimitPerWebhook: 20,
      ipAllowlistEntries: [],
      retryScheduleSeconds: [5, 300, 1800, 7200, 18000, 36000, 36000],
      orderHoldSeconds: 300,
      redisUrl: undefined,
    });
  });

  it('reads every variable it is given', () => {
    const config = readConfiguration({
      PORT: '8080',
      DATABASE_URL: 'postgres://db/bothooks',
      ENCRYPTION_KEY: KEY,
      ADMIN_API_KEY: ADMIN,
      PUBLIC_URL: 'https://hooks.example.com//',
      LOG_LEVEL: 'warn',
      TRUST_PROXY: '2',
      HTTP_HEADERS_TIMEOUT_MS: '5000',
      HTTP_REQUEST_TIMEOUT_MS: '5000',
      HTTP_MAX_CONNECTIONS: '9',
      DATA_DIR: '/var/lib/bothooks',
      OUTBOUND_ALLOW_PRIVATE: 'true',
      AUTH_FAILURES_PER_MINUTE: '3',
      RUNTIME_TIMEOUT_MS: '2000',
      WEBHOOK_MAX_BODY: '100',
      RATE_LIMIT_PER_IP: '4',
      RATE_LIMIT_PER_WEBHOOK: '6',
      WEBHOOK_IP_ALLOWLIST: '10.0.0.0/8',
      RETRY_SCHEDULE: '1,2',
      REDIS_URL: 'redis://cache:6379',
      CIRCUIT_FAILURES: '2',
      CIRCUIT_COOLDOWN_MS: '500',
      PURGE_BATCH_SIZE: '10',
      PURGE_PAUSE_MS: '0',
      INVOCATION_RETENTION_DAYS: '7',
      DELIVERY_RETENTION_DAYS: '1',
    });
    expect(config.app).toEqual({ port: 8080, publicUrl: 'https://hooks.example.com', logLevel: 'warn', trustProxy: 2 });
    expect(config.http).toEqual({ headersTimeoutMs: 5000, requestTimeoutMs: 5000, maxConnections: 9 });
    expect(config.database).toEqual({ url: 'postgres://db/bothooks', dataDir: '/var/lib/bothooks', purgeBatchSize: 10, purgePauseMs: 0 });
    expect(config.security).toEqual({ encryptionKey: Buffer.from(KEY, 'base64'), adminApiKey: ADMIN, outboundAllowPrivate: true, authFailuresPerMinute: 3 });
    expect(config.webhooks).toMatchObject({ runtimeTimeoutMs: 2000, maxBodyBytes: 100, rateLimitPerIp: 4, rateLimitPerWebhook: 6, ipAllowlistEntries: ['10.0.0.0/8'], retryScheduleSeconds: [1, 2], redisUrl: 'redis://cache:6379' });
    expect(config.webhooks.ipAllowlist.check('10.1.2.3', 'ipv4')).toBe(true);
    expect(config.connections).toEqual({ circuitFailures: 2, circuitCooldownMs: 500 });
    expect(config.retention).toEqual({ invocationDays: 7, deliveryDays: 1 });
  });

  it('keeps at least a day of invocations and of deliveries', () => {
    expect(problems({ INVOCATION_RETENTION_DAYS: '0', DELIVERY_RETENTION_DAYS: '1.5' })).toEqual([
      'INVOCATION_RETENTION_DAYS must be an integer from 1 to 36500, got "0"',
      'DELIVERY_RETENTION_DAYS must be an integer from 1 to 36500, got "1.5"',
    ]);
  });

  it('builds the default PUBLIC_URL from PORT', () => {
    expect(readConfiguration({ PORT: '8080' }).app.publicUrl).toBe('http://localhost:8080');
  });

  it('takes an http or https PUBLIC_URL without its trailing slashes', () => {
    expect(readConfiguration({ PUBLIC_URL: 'http://hooks.internal:8080//' }).app.publicUrl).toBe('http://hooks.internal:8080');
    expect(readConfiguration({ PUBLIC_URL: 'https://hooks.example.com/' }).app.publicUrl).toBe('https://hooks.example.com');
  });

  it('accepts a postgresql: DATABASE_URL and a rediss: REDIS_URL', () => {
    expect(problems({ DATABASE_URL: 'postgresql://db/x', ENCRYPTION_KEY: KEY, REDIS_URL: 'rediss://cache:6380' })).toEqual([]);
  });

  it('requires ENCRYPTION_KEY with DATABASE_URL', () => {
    expect(problems({ DATABASE_URL: 'postgres://db/x' })).toEqual(['ENCRYPTION_KEY is required when DATABASE_URL is set (32 bytes, base64)']);
    expect(problems({ ENCRYPTION_KEY: KEY })).toEqual([]);
  });

  it('refuses an ADMIN_API_KEY that is not bh_admin_ and 43 base64url characters', () => {
    const message = 'ADMIN_API_KEY must look like bh_admin_ followed by at least 43 base64url characters (32 random bytes)';
    expect(problems({ ADMIN_API_KEY: `bh_admin_${'a'.repeat(42)}` })).toEqual([message]);
    expect(problems({ ADMIN_API_KEY: `bh_bot_${'a'.repeat(43)}` })).toEqual([message]);
    expect(problems({ ADMIN_API_KEY: `x${ADMIN}` })).toEqual([message]);
    expect(problems({ ADMIN_API_KEY: `${ADMIN}!` })).toEqual([message]);
    expect(problems({ ADMIN_API_KEY: `bh_admin_${'A-_9'.repeat(11)}` })).toEqual([]);
  });

  it('reads where the console build is and how often an idle stream says it is alive', () => {
    expect(readConfiguration({ CONSOLE_DIR: '/srv/console', STREAM_HEARTBEAT_MS: '500' }).console).toEqual({ dir: '/srv/console', streamHeartbeatMs: 500 });
    expect(problems({ STREAM_HEARTBEAT_MS: '5' })).toEqual([expect.stringMatching(/^STREAM_HEARTBEAT_MS/)]);
  });

  it('refuses header deadlines longer than the whole request, which Node would refuse', () => {
    expect(problems({ HTTP_HEADERS_TIMEOUT_MS: '5001', HTTP_REQUEST_TIMEOUT_MS: '5000' })).toEqual(['HTTP_HEADERS_TIMEOUT_MS (5001) must not exceed HTTP_REQUEST_TIMEOUT_MS (5000)']);
  });

  it('names every bad variable at once', () => {
    expect(problems({ PORT: 'x', DATABASE_URL: 'mysql://db', ENCRYPTION_KEY: KEY, LOG_LEVEL: 'loud', REDIS_URL: 'http://cache', RETRY_SCHEDULE: '5,a' })).toEqual([
      'PORT must be an integer from 0 to 65535, got "x"',
      'DATABASE_URL must be a postgres or postgresql URL, got "mysql://db"',
      'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "loud"',
      'RETRY_SCHEDULE must be a comma-separated list of integers from 0 to 604800, got "5,a"',
      'REDIS_URL must be a redis or rediss URL, got "http://cache"',
    ]);
  });
});
