import { isIP } from 'node:net';
import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import type { ConfigType } from '../../config/section';
import type Redis from 'ioredis';
import { RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { webhooksConfig } from '../../config/webhooks.config';
import { refuse } from '../../common/errors';

/**
 * Requests per second per client IP and per webhook, in fixed one-second windows. With REDIS_URL the
 * counters live in Redis so the limits hold across instances; should Redis become unreachable, each
 * instance falls back to counting in its own memory rather than refusing or waving everything through.
 */
@Injectable()
export class RateLimits implements OnApplicationShutdown {
  private readonly logger = new Logger('RateLimits');
  private readonly perIp: RateLimiterAbstract;
  private readonly perWebhook: RateLimiterAbstract;
  private readonly redis: Redis | null;
  private lastRedisWarning = 0;

  constructor(@Inject(webhooksConfig.KEY) private readonly config: ConfigType<typeof webhooksConfig>) {
    this.redis = config.redisUrl ? this.connect(config.redisUrl) : null;
    this.perIp = this.limiter('ip', config.rateLimitPerIp);
    this.perWebhook = this.limiter('webhook', config.rateLimitPerWebhook);
  }

  /** Addresses in WEBHOOK_IP_ALLOWLIST are never limited. */
  exempt(ip: string): boolean {
    if (this.config.ipAllowlistEntries.length === 0) return false;
    const family = isIP(ip);
    return family !== 0 && this.config.ipAllowlist.check(ip, family === 6 ? 'ipv6' : 'ipv4');
  }

  takeForIp(ip: string): Promise<void> {
    return this.take(this.perIp, ip, `more than ${this.config.rateLimitPerIp} calls per second from ${ip}`);
  }

  takeForWebhook(webhookId: string): Promise<void> {
    return this.take(this.perWebhook, webhookId, `more than ${this.config.rateLimitPerWebhook} calls per second to this webhook`);
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.redis && this.redis.status !== 'end') await this.redis.quit().catch(() => this.redis?.disconnect());
  }

  private async take(limiter: RateLimiterAbstract, key: string, message: string): Promise<void> {
    try {
      await limiter.consume(key);
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      const seconds = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
      throw refuse('rate_limited', `rate limit exceeded: ${message}`, { headers: { 'retry-after': String(seconds) } });
    }
  }

  private limiter(kind: 'ip' | 'webhook', points: number): RateLimiterAbstract {
    const memory = new RateLimiterMemory({ keyPrefix: kind, points, duration: 1 });
    if (!this.redis) return memory;
    return new RateLimiterRedis({ storeClient: this.redis, keyPrefix: `bothooks:rate:${kind}`, points, duration: 1, rejectIfRedisNotReady: true, insuranceLimiter: memory });
  }

  private connect(url: string): Redis {
    // Loaded only when REDIS_URL is set: most deployments never need the client's memory.
    const { default: RedisClient } = require('ioredis') as typeof import('ioredis');
    // No offline queue: while Redis is away a call must fall back to memory at once, not wait for it.
    const redis = new RedisClient(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2000 });
    redis.on('error', (error: Error) => {
      const now = Date.now();
      if (now - this.lastRedisWarning < 60_000) return;
      this.lastRedisWarning = now;
      this.logger.warn(`Redis for rate limits is unavailable, counting in memory meanwhile: ${error.message}`);
    });
    return redis;
  }
}
