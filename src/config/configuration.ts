import { BlockList } from 'node:net';
import { join } from 'node:path';
import { ConfigError, EnvReader } from './env';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type TrustProxy = false | number | string[];

export interface Configuration {
  /** Express's `trust proxy`: how many hops, or which proxy addresses, X-Forwarded-For is believed for. */
  app: { port: number; publicUrl: string; logLevel: LogLevel; trustProxy: TrustProxy };
  http: { headersTimeoutMs: number; requestTimeoutMs: number; maxConnections: number };
  /** A deleted bot's or connection's rows are purged in steps of purgeBatchSize rows, purgePauseMs apart. */
  database: { url: string | undefined; dataDir: string; purgeBatchSize: number; purgePauseMs: number };
  security: { encryptionKey: Buffer | undefined; adminApiKey: string | undefined; outboundAllowPrivate: boolean; authFailuresPerMinute: number };
  webhooks: {
    runtimeTimeoutMs: number;
    maxBodyBytes: number;
    rateLimitPerIp: number;
    rateLimitPerWebhook: number;
    ipAllowlist: BlockList;
    ipAllowlistEntries: string[];
    retryScheduleSeconds: number[];
    /** How long a failing call may hold up the rest of its conversation (§3.2, Order). */
    orderHoldSeconds: number;
    redisUrl: string | undefined;
  };
  connections: { circuitFailures: number; circuitCooldownMs: number };
  /** Whole days of invocations and of connection deliveries kept; older days are dropped. */
  retention: { invocationDays: number; deliveryDays: number };
  /** `dir`: the console's build, served at /console; `streamHeartbeatMs`: how often an idle event stream says it is alive. */
  console: { dir: string; streamHeartbeatMs: number };
}

/** Parses and validates the whole environment at once; throws ConfigError naming every bad variable. */
export function readConfiguration(env: Record<string, string | undefined>): Configuration {
  const r = new EnvReader(env);
  const port = r.int('PORT', 3000, 0, 65535);
  const databaseUrl = r.string('DATABASE_URL');
  if (databaseUrl !== undefined) r.url('DATABASE_URL', '', ['postgres:', 'postgresql:']);
  const encryptionKey = r.key32('ENCRYPTION_KEY');
  if (databaseUrl !== undefined && env.ENCRYPTION_KEY === undefined) {
    r.problems.push('ENCRYPTION_KEY is required when DATABASE_URL is set (32 bytes, base64)');
  }
  const adminApiKey = r.string('ADMIN_API_KEY');
  if (adminApiKey !== undefined && !/^bh_admin_[A-Za-z0-9_-]{43,}$/.test(adminApiKey)) {
    r.problems.push('ADMIN_API_KEY must look like bh_admin_ followed by at least 43 base64url characters (32 random bytes)');
  }
  const allowlist = r.ipList('WEBHOOK_IP_ALLOWLIST');
  const config: Configuration = {
    app: {
      port,
      publicUrl: r.url('PUBLIC_URL', `http://localhost:${port}`, ['http:', 'https:']).replace(/\/+$/, ''),
      logLevel: r.oneOf('LOG_LEVEL', 'info', LOG_LEVELS),
      trustProxy: r.trustProxy('TRUST_PROXY'),
    },
    http: {
      headersTimeoutMs: r.int('HTTP_HEADERS_TIMEOUT_MS', 10_000, 100, 600_000),
      requestTimeoutMs: r.int('HTTP_REQUEST_TIMEOUT_MS', 30_000, 100, 3_600_000),
      maxConnections: r.int('HTTP_MAX_CONNECTIONS', 10_000, 1, 1_000_000),
    },
    database: {
      url: databaseUrl,
      dataDir: r.string('DATA_DIR', './data'),
      purgeBatchSize: r.int('PURGE_BATCH_SIZE', 5000, 1, 1_000_000),
      purgePauseMs: r.int('PURGE_PAUSE_MS', 50, 0, 3_600_000),
    },
    security: { encryptionKey, adminApiKey, outboundAllowPrivate: r.bool('OUTBOUND_ALLOW_PRIVATE', false), authFailuresPerMinute: r.int('AUTH_FAILURES_PER_MINUTE', 60, 1, 1_000_000) },
    webhooks: {
      runtimeTimeoutMs: r.int('RUNTIME_TIMEOUT_MS', 10_000, 100, 120_000),
      maxBodyBytes: r.int('WEBHOOK_MAX_BODY', 1024 * 1024, 1, 64 * 1024 * 1024),
      rateLimitPerIp: r.int('RATE_LIMIT_PER_IP', 50, 1, 1_000_000),
      rateLimitPerWebhook: r.int('RATE_LIMIT_PER_WEBHOOK', 20, 1, 1_000_000),
      ipAllowlist: allowlist.list,
      ipAllowlistEntries: allowlist.entries,
      retryScheduleSeconds: r.intList('RETRY_SCHEDULE', [5, 300, 1800, 7200, 18000, 36000, 36000], 0, 604_800),
      orderHoldSeconds: r.int('ORDER_HOLD_SECONDS', 300, 0, 604_800),
      redisUrl: r.string('REDIS_URL') === undefined ? undefined : r.url('REDIS_URL', '', ['redis:', 'rediss:']),
    },
    connections: {
      circuitFailures: r.int('CIRCUIT_FAILURES', 5, 1, 1000),
      circuitCooldownMs: r.int('CIRCUIT_COOLDOWN_MS', 30_000, 100, 3_600_000),
    },
    retention: {
      invocationDays: r.int('INVOCATION_RETENTION_DAYS', 30, 1, 36_500),
      deliveryDays: r.int('DELIVERY_RETENTION_DAYS', 30, 1, 36_500),
    },
    console: {
      // Built beside the compiled server (dist/console next to dist/config).
      dir: r.string('CONSOLE_DIR', join(__dirname, '..', 'console')),
      streamHeartbeatMs: r.int('STREAM_HEARTBEAT_MS', 15_000, 10, 600_000),
    },
  };
  // Node refuses a server whose headers may take longer than the whole request.
  if (config.http.headersTimeoutMs > config.http.requestTimeoutMs) {
    r.problems.push(`HTTP_HEADERS_TIMEOUT_MS (${config.http.headersTimeoutMs}) must not exceed HTTP_REQUEST_TIMEOUT_MS (${config.http.requestTimeoutMs})`);
  }
  if (r.problems.length > 0) throw new ConfigError(r.problems);
  return config;
}
