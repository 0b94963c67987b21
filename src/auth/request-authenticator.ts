import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import type { ConfigType } from '../config/section';
import type Redis from 'ioredis';
import { RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { AppError, refuse } from '../common/errors';
import { securityConfig } from '../config/security.config';
import { webhooksConfig } from '../config/webhooks.config';
import { clientIp } from '../common/client-ip';
import { ApiKeysService } from './api-keys.service';
import type { AuthenticatedRequest, Principal } from './principal';

const FAILURE_WINDOW_SECONDS = 60;

/**
 * Judges a request on its API key, once: the body parsers call it before reading a body and the guard
 * reuses the principal they stored. Failed authentications are counted per client IP (in Redis with
 * REDIS_URL, so the limit holds across instances); past AUTH_FAILURES_PER_MINUTE a failure answers 429
 * until the minute is over. A good key is never refused by this limit: clients sharing an address with a
 * flood (behind one NAT or proxy) keep working.
 */
@Injectable()
export class RequestAuthenticator implements OnApplicationShutdown {
  private readonly logger = new Logger('RequestAuthenticator');
  private readonly failures: RateLimiterAbstract;
  private readonly redis: Redis | null;

  constructor(
    private readonly apiKeys: ApiKeysService,
    @Inject(securityConfig.KEY) private readonly security: ConfigType<typeof securityConfig>,
    @Inject(webhooksConfig.KEY) webhooks: ConfigType<typeof webhooksConfig>,
  ) {
    const points = security.authFailuresPerMinute;
    const memory = new RateLimiterMemory({ keyPrefix: 'auth-failures', points, duration: FAILURE_WINDOW_SECONDS });
    this.redis = webhooks.redisUrl ? this.connect(webhooks.redisUrl) : null;
    this.failures = this.redis
      ? new RateLimiterRedis({ storeClient: this.redis, keyPrefix: 'bothooks:auth-failures', points, duration: FAILURE_WINDOW_SECONDS, rejectIfRedisNotReady: true, insuranceLimiter: memory })
      : memory;
  }

  async authenticate(req: AuthenticatedRequest): Promise<Principal> {
    if (req.principal) return req.principal;
    try {
      req.principal = await this.apiKeys.authenticate(bearerKey(req.headers.authorization));
      return req.principal;
    } catch (error) {
      if (error instanceof AppError && error.type === 'unauthorized') await this.countFailure(clientIp(req));
      throw error;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.redis && this.redis.status !== 'end') await this.redis.quit().catch(() => this.redis?.disconnect());
  }

  private async countFailure(ip: string): Promise<void> {
    try {
      await this.failures.consume(ip);
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      const seconds = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
      throw refuse('rate_limited', `more than ${this.security.authFailuresPerMinute} failed authentications a minute from ${ip}`, {
        headers: { 'retry-after': String(seconds) },
      });
    }
  }

  private connect(url: string): Redis {
    const { default: RedisClient } = require('ioredis') as typeof import('ioredis');
    // As for the webhook limits: while Redis is away, count in memory at once rather than wait for it.
    const redis = new RedisClient(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2000 });
    let lastWarning = 0;
    redis.on('error', (error: Error) => {
      if (Date.now() - lastWarning < 60_000) return;
      lastWarning = Date.now();
      this.logger.warn(`Redis for the auth failure limit is unavailable, counting in memory meanwhile: ${error.message}`);
    });
    return redis;
  }
}

function bearerKey(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) throw new AppError('unauthorized', 'malformed Authorization header: expected Bearer <key>');
  return match[1];
}
