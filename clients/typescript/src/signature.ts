import { createHmac, timingSafeEqual } from 'node:crypto';

/** Headers as node:http, Express or fetch give them. */
export type HeaderSource = Headers | Record<string, string | string[] | undefined>;

/** A call whose Standard Webhooks signature does not hold; answer it 401. */
export class SignatureError extends Error {
  override readonly name = 'SignatureError';
}

/** Standard Webhooks allows this much clock difference either way. */
const TOLERANCE_SECONDS = 5 * 60;

function header(headers: HeaderSource, name: string): string | undefined {
  if (typeof Headers !== 'undefined' && headers instanceof Headers) return headers.get(name) ?? undefined;
  const value = (headers as Record<string, string | string[] | undefined>)[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Checks a Standard Webhooks v1 signature and returns the body as text. The HMAC runs over the raw bytes,
 * so the body must be the one that arrived, before any JSON parser touched it.
 */
export function verifySignature(headers: HeaderSource, rawBody: string | Buffer, signingSecret: string, now: Date): string {
  const id = header(headers, 'webhook-id');
  const timestamp = header(headers, 'webhook-timestamp');
  const signatures = header(headers, 'webhook-signature');
  if (!id || !timestamp || !signatures) throw new SignatureError('missing webhook-id, webhook-timestamp or webhook-signature');
  const seconds = Number(timestamp);
  if (!/^\d+$/.test(timestamp) || Math.abs(now.getTime() / 1000 - seconds) > TOLERANCE_SECONDS) {
    throw new SignatureError('webhook-timestamp is not within 5 minutes of now');
  }
  const key = Buffer.from(signingSecret.startsWith('whsec_') ? signingSecret.slice('whsec_'.length) : signingSecret, 'base64');
  const body = typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody;
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest();
  const matches = signatures.split(' ').some((entry) => {
    const [version, signature] = entry.split(',');
    if (version !== 'v1' || !signature) return false;
    const given = Buffer.from(signature, 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!matches) throw new SignatureError('no webhook-signature matches');
  return body.toString('utf8');
}
