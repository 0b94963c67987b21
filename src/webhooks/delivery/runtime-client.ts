import { Inject, Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import type { ConfigType } from '../../config/section';
import { webhooksConfig } from '../../config/webhooks.config';
import { CACHE_BOUNDS } from '../../common/cache-bounds';
import { OutboundClient, OutboundError } from '../../common/outbound/outbound-client';
import { SecretBox } from '../../common/secret-box';
import { StandardWebhookSigner } from '../../common/signing';
import { MetricsService } from '../../metrics/metrics.service';
import { readRuntimeReply, RuntimeFailureReason, RuntimeOutcome } from './runtime-reply';
import { retryAfterMs } from './retry-delay';

/** The statuses whose Retry-After is a request to wait (§3.2). */
const BUSY = new Set([429, 503]);

const MAX_REPLY_BYTES = 1024 * 1024;

/** Where one bot's commands go, and the sealed secret they are signed with. */
export interface RuntimeTarget {
  botId: string;
  runtimeUrl: string;
  signingSecretSealed: string;
}

/**
 * Delivers a §3.4 message to a bot's runtime through the shared, SSRF-guarded client, signed the
 * Standard Webhooks way with the invocation id as `webhook-id` so the runtime can drop duplicates.
 */
@Injectable()
export class RuntimeClient {
  // Opening the secret and decoding the key cost more than signing; a bot's signer is made once. Keyed by
  // the sealed text too, so a changed secret is never signed with the old one.
  private readonly signers = new LRUCache<string, { sealed: string; signer: StandardWebhookSigner }>({ max: CACHE_BOUNDS.runtimeSigners });

  constructor(
    private readonly outbound: OutboundClient,
    private readonly secrets: SecretBox,
    private readonly metrics: MetricsService,
    @Inject(webhooksConfig.KEY) private readonly config: ConfigType<typeof webhooksConfig>,
  ) {}

  async deliver(target: RuntimeTarget, invocationId: string, message: string): Promise<RuntimeOutcome> {
    const started = performance.now();
    let outcome: RuntimeOutcome;
    try {
      const response = await this.outbound.request({
        method: 'POST',
        url: target.runtimeUrl,
        headers: { 'content-type': 'application/json', ...this.signer(target).sign(invocationId, message) },
        body: message,
        timeoutMs: this.config.runtimeTimeoutMs,
        maxResponseBytes: MAX_REPLY_BYTES,
      });
      outcome = readRuntimeReply(response.status, response.body);
      if (!outcome.ok && BUSY.has(response.status)) {
        const asked = retryAfterMs(response.headers['retry-after'], Date.now());
        if (asked !== null) outcome.retryAfterMs = asked;
      }
    } catch (error) {
      if (!(error instanceof OutboundError)) throw error;
      outcome = { ok: false, httpStatus: null, error: error.message, reason: reasonOf(error), reachedRuntime: error.mayHaveReachedPeer };
    }
    this.metrics.deliveries.inc({ target: 'runtime', outcome: outcome.ok ? 'succeeded' : 'failed' });
    this.metrics.deliveryDuration.observe({ target: 'runtime' }, (performance.now() - started) / 1000);
    return outcome;
  }

  private signer(target: RuntimeTarget): StandardWebhookSigner {
    const cached = this.signers.get(target.botId);
    if (cached && cached.sealed === target.signingSecretSealed) return cached.signer;
    const signer = new StandardWebhookSigner(this.secrets.open(target.signingSecretSealed));
    this.signers.set(target.botId, { sealed: target.signingSecretSealed, signer });
    return signer;
  }
}

/** What the caller is told; whether the use is kept follows `mayHaveReachedPeer`, not this word. */
function reasonOf(error: OutboundError): RuntimeFailureReason {
  switch (error.kind) {
    case 'timeout':
      return 'runtime_timeout';
    case 'blocked':
    case 'invalid_url':
    case 'connect':
      return 'runtime_unreachable';
    default:
      return 'runtime_bad_reply';
  }
}
