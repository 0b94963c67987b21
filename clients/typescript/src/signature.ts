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
  const body = typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody;
  const expected = hmac(secretKey(signingSecret), id, timestamp, body);
  const matches = signatures.split(' ').some((entry) => {
    const [version, signature] = entry.split(',');
    if (version !== 'v1' || !signature) return false;
    const given = Buffer.from(signature, 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!matches) throw new SignatureError('no webhook-signature matches');
  return body.toString('utf8');
}

/** The HMAC key a `whsec_…` secret carries (its base64 after the prefix). */
export function secretKey(signingSecret: string): Buffer {
  return Buffer.from(signingSecret.startsWith('whsec_') ? signingSecret.slice('whsec_'.length) : signingSecret, 'base64');
}

/** Standard Webhooks v1 headers for a body, exactly as bothooks signs a push delivery. */
export function signatureHeaders(key: Buffer, id: string, body: string, at = new Date()): Record<string, string> {
  const timestamp = String(Math.floor(at.getTime() / 1000));
  return { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': `v1,${hmac(key, id, timestamp, Buffer.from(body, 'utf8')).toString('base64')}` };
}

function hmac(key: Buffer, id: string, timestamp: string, body: Buffer): Buffer {
  return createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest();
}
