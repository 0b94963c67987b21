import type { IncomingHttpHeaders } from 'node:http';
import { AppError } from '../../common/errors';

/** Headers about this hop only (RFC 9110 §7.6.1); the runtime is another hop and must not see them. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']);
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/** Splits `/w/<token>?<query>` without decoding anything: the signature covers the raw bytes. */
export function splitUrl(originalUrl: string): { path: string; rawQuery: string } {
  const at = originalUrl.indexOf('?');
  return at === -1 ? { path: originalUrl, rawQuery: '' } : { path: originalUrl.slice(0, at), rawQuery: originalUrl.slice(at + 1) };
}

/** Lower-case names (as Node gives them), hop-by-hop headers and those named in Connection left out. */
export function forwardableHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const connection = headers.connection;
  const named = connection ? new Set(connection.toLowerCase().split(',').map((name) => name.trim())) : null;
  // No prototype: a header or parameter called __proto__ must arrive like any other.
  const out: Record<string, string> = Object.create(null);
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || HOP_BY_HOP.has(name) || named?.has(name)) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/**
 * The query parameters the runtime sees: the issued ones, which the signature vouches for, and whatever
 * the caller appended. An appended parameter cannot override an issued one of the same name; one given
 * several times arrives as an array.
 */
export function callParams(rawQuery: string, issued: Record<string, string> | null): Record<string, string | string[]> {
  const params: Record<string, string | string[]> = Object.create(null);
  if (rawQuery !== '') {
    for (const [name, value] of new URLSearchParams(rawQuery)) {
      if (issued !== null && Object.hasOwn(issued, name)) continue;
      const seen = params[name];
      params[name] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
    }
  }
  return issued === null ? params : Object.assign(params, issued);
}

/** `Idempotency-Key`, or the `webhook-id` that Standard Webhooks senders put on every message. */
export function idempotencyKey(headers: IncomingHttpHeaders): string | null {
  const value = headers['idempotency-key'] ?? headers['webhook-id'];
  if (value === undefined) return null;
  if (typeof value !== 'string' || !IDEMPOTENCY_KEY.test(value)) {
    throw new AppError('bad_request', 'Idempotency-Key (or webhook-id) must be 1 to 255 printable ASCII characters');
  }
  return value;
}
