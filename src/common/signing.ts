import { createHmac, randomBytes } from 'node:crypto';

const SECRET_PREFIX = 'whsec_';

/** A fresh Standard Webhooks secret: `whsec_` + base64 of 32 random bytes. */
export function generateSigningSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString('base64')}`;
}

export interface SignedHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/**
 * Signs one outbound message the Standard Webhooks way (v1: HMAC-SHA256 of `id.timestamp.payload`, base64),
 * so receivers can verify it with any Standard Webhooks library. Node's crypto rather than the
 * standardwebhooks package, whose pure-JavaScript SHA-256 showed in the dispatch profile. Construct once
 * per secret and reuse: the key is decoded only here.
 */
export class StandardWebhookSigner {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64');
    if (this.key.length === 0) throw new Error('a signing secret must not be empty');
  }

  sign(messageId: string, payload: string, at: Date = new Date()): SignedHeaders {
    const timestamp = Math.floor(at.getTime() / 1000).toString();
    const signature = createHmac('sha256', this.key).update(`${messageId}.${timestamp}.`).update(payload).digest('base64');
    return { 'webhook-id': messageId, 'webhook-timestamp': timestamp, 'webhook-signature': `v1,${signature}` };
  }
}
