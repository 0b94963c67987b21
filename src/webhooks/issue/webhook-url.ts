import { createHmac, timingSafeEqual } from 'node:crypto';
import { WEBHOOK_PATH } from '../../common/webhook-path';
import type { WebhookClaims } from '../shared/webhook-claims';

/**
 * The issued URL is `<PUBLIC_URL>/w/<botId>.<keyVersion>.<payload>.<signature>[?<issued params>]`.
 * `payload` is base64url JSON of the other issued values; the issued params are ordinary query parameters
 * so that the caller sees them, and callers may append more after them. The signature is HMAC-SHA256,
 * under the bot's URL key of that version, over everything before it plus the issued part of the query,
 * compared as text so that not even a base64 padding bit can change unnoticed.
 */

/** The signed JSON, with one-letter names: every byte here makes the URL longer. */
interface Payload {
  i: string;
  c: string;
  u?: string;
  h?: string;
  o?: unknown;
  /** Length of the issued query string, which the signature covers. */
  q?: number;
  r?: string;
  e?: number;
  s?: 1;
  /** 1 async, 2 auto. */
  m?: 1 | 2;
  /** An auto call's deadline, ms. */
  d?: number;
  /** CORS origins. */
  a?: string[];
}

export interface WebhookToken {
  botId: string;
  keyVersion: number;
  payload: string;
  signature: string;
}

const TOKEN = /^([0-9a-f]{24})\.([1-9][0-9]{0,8})\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{43})$/;

export function issueWebhookUrl(publicUrl: string, claims: WebhookClaims, key: Buffer): string {
  const body: Payload = { i: claims.webhookId, c: claims.command };
  if (claims.userId !== null) body.u = claims.userId;
  if (claims.chatId !== null) body.h = claims.chatId;
  if (claims.content !== undefined) body.o = claims.content;
  const query = claims.params === null ? '' : encodeParams(claims.params);
  if (query !== '') body.q = query.length;
  if (claims.redirect !== null) body.r = claims.redirect;
  if (claims.expiresAt !== null) body.e = claims.expiresAt;
  if (claims.singleUse) body.s = 1;
  if (claims.mode === 'async') body.m = 1;
  if (claims.mode === 'auto') {
    body.m = 2;
    body.d = claims.deadlineMs!;
  }
  if (claims.cors !== null) body.a = claims.cors;
  const unsigned = `${claims.botId}.${claims.keyVersion}.${Buffer.from(JSON.stringify(body)).toString('base64url')}`;
  const signature = sign(key, unsigned, query);
  return `${publicUrl}${WEBHOOK_PATH}${unsigned}.${signature}${query === '' ? '' : `?${query}`}`;
}

/** Splits the path segment after /w/; null when it cannot be an issued URL at all. */
export function readWebhookToken(segment: string): WebhookToken | null {
  const match = TOKEN.exec(segment);
  if (!match) return null;
  return { botId: match[1], keyVersion: Number(match[2]), payload: match[3], signature: match[4] };
}

/**
 * The issued values, or null when the signature does not match. `rawQuery` is the query string as the
 * caller sent it: it must begin with the issued params, byte for byte; whatever follows is the caller's.
 */
export function openWebhookToken(token: WebhookToken, rawQuery: string, key: Buffer): WebhookClaims | null {
  let body: Payload;
  try {
    body = JSON.parse(Buffer.from(token.payload, 'base64url').toString('utf8')) as Payload;
  } catch {
    return null;
  }
  if (body === null || typeof body !== 'object') return null;
  const issuedLength = typeof body.q === 'number' ? body.q : 0;
  if (issuedLength > rawQuery.length || (issuedLength > 0 && rawQuery.length > issuedLength && rawQuery[issuedLength] !== '&')) return null;
  const issuedQuery = rawQuery.slice(0, issuedLength);
  const expected = sign(key, `${token.botId}.${token.keyVersion}.${token.payload}`, issuedQuery);
  if (!timingSafeEqual(Buffer.from(expected), Buffer.from(token.signature))) return null;
  return {
    webhookId: body.i,
    botId: token.botId,
    keyVersion: token.keyVersion,
    command: body.c,
    userId: body.u ?? null,
    chatId: body.h ?? null,
    content: 'o' in body ? body.o : undefined,
    params: issuedQuery === '' ? null : Object.fromEntries(new URLSearchParams(issuedQuery)),
    redirect: body.r ?? null,
    expiresAt: body.e ?? null,
    singleUse: body.s === 1,
    mode: body.m === 1 ? 'async' : body.m === 2 ? 'auto' : 'sync',
    deadlineMs: body.m === 2 && typeof body.d === 'number' ? body.d : null,
    cors: body.a ?? null,
  };
}

function sign(key: Buffer, unsigned: string, issuedQuery: string): string {
  const hmac = createHmac('sha256', key).update(unsigned);
  if (issuedQuery !== '') hmac.update(`?${issuedQuery}`);
  return hmac.digest('base64url');
}

/**
 * Percent-encodes everything but unreserved characters, so that no browser, proxy or HTTP library finds
 * anything to re-encode on the way and the signed bytes arrive as issued.
 */
function encodeParams(params: Record<string, string>): string {
  const parts: string[] = [];
  for (const [name, value] of Object.entries(params)) parts.push(`${strictEncode(name)}=${strictEncode(value)}`);
  return parts.join('&');
}

function strictEncode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
