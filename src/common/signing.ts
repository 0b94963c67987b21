import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/** A fresh Standard Webhooks secret: `whsec_` + base64 of 32 random bytes. */
export function generateSigningSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

export interface SignedHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/**
 * Signs one outbound message the Standard Webhooks way, so receivers can verify it with any
 * Standard Webhooks library. Construct once per secret and reuse: the key is decoded only here.
 */
export class StandardWebhookSigner {
  private readonly webhook: Webhook;

  constructor(secret: string) {
    this.webhook = new Webhook(secret);
  }

  sign(messageId: string, payload: string, at: Date = new Date()): SignedHeaders {
    return {
      'webhook-id': messageId,
      'webhook-timestamp': Math.floor(at.getTime() / 1000).toString(),
      'webhook-signature': this.webhook.sign(messageId, at, payload),
    };
  }
}
