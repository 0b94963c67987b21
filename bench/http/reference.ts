/*
 * The yardstick: bothooks' four hot paths written by hand in plain Express 5 + pg + undici, as a careful
 * engineer would without a framework. Each does the essential work and no more:
 * - issue: look up the bearer key's hash, check the body, HMAC-sign the URL, answer 201;
 * - receive: verify the URL's HMAC and expiry, insert one invocation row holding the runtime message a
 *   later delivery needs (§3.4, as bothooks stores), answer 202 (async), or POST that message to the bot
 *   runtime signed the Standard Webhooks way, record its answer and answer 200 (sync);
 * - dispatch: look up the key's hash and the connection in one query, POST the signed chat to the backend,
 *   parse its reply, validate it with an ajv-compiled schema, insert a delivery row, answer 200.
 * Statements are prepared (named); the URL keys are read once at start. Nothing is logged.
 */
import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import Ajv from 'ajv';
import express, { type NextFunction, type Request, type Response } from 'express';
import { Pool } from 'pg';
import { Agent } from 'undici';
import { replyAjvSchema } from '../../src/responses/response.schema';

const MAX_REPLY_BYTES = 64 * 1024;
const RUNTIME_TIMEOUT_MS = 10_000;
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'proxy-authorization', 'proxy-connection']);

interface Bot {
  urlKey: Buffer;
  runtime: URL | null;
  signingKey: Buffer;
}

interface Claims {
  w: string;
  c: string;
  u: string | null;
  ch: string | null;
  ct: unknown;
  m: 'sync' | 'async';
  e: string | null;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

// The pool size bothooks uses with DATABASE_URL, so that both sides may keep as many statements in flight.
const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 20 });
// As any long-running pg service must: an idle connection the server drops is not a crash.
pool.on('error', (error) => process.stderr.write(`reference: idle database connection lost: ${error.message}\n`));
const agent = new Agent({ connections: 128, keepAliveTimeout: 30_000 });
const validateReply = new Ajv({ allErrors: true }).compile(replyAjvSchema);
const bots = new Map<string, Bot>();
let publicUrl = '';

const hmac = (key: Buffer, text: string): Buffer => createHmac('sha256', key).update(text).digest();

function standardWebhookHeaders(key: Buffer, id: string, body: string): Record<string, string> {
  const timestamp = Math.floor(Date.now() / 1000).toString();
  return {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': timestamp,
    'webhook-signature': `v1,${hmac(key, `${id}.${timestamp}.${body}`).toString('base64')}`,
  };
}

async function authenticate(req: Request, extra: { name: string; text: string; values: unknown[] }) {
  const match = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
  if (!match) throw new HttpError(401, 'missing or malformed API key');
  const hash = createHash('sha256').update(match[1]).digest('hex');
  const { rows } = await pool.query({ name: extra.name, text: extra.text, values: [hash, ...extra.values] });
  if (rows.length === 0) throw new HttpError(401, 'unknown or revoked API key');
  return rows[0];
}

function idValue(value: unknown, field: string, problems: string[]): string | null {
  if (value === undefined) return null;
  if ((typeof value !== 'string' && typeof value !== 'number') || String(value).length === 0 || String(value).length > 64) {
    problems.push(`${field} must be a string or number of 1..64 characters`);
    return null;
  }
  return String(value);
}

async function issue(req: Request, res: Response): Promise<void> {
  const { bot_id: botId } = await authenticate(req, {
    name: 'ref-auth',
    text: 'SELECT bot_id FROM ref_api_keys WHERE key_hash = $1 AND revoked_at IS NULL',
    values: [],
  });
  const body = req.body as Record<string, unknown>;
  const problems: string[] = [];
  for (const field of Object.keys(body)) {
    if (!['command', 'userId', 'chatId', 'content', 'mode', 'expiresIn'].includes(field)) problems.push(`${field}: unknown field`);
  }
  if (typeof body.command !== 'string' || body.command.length < 1 || body.command.length > 256) problems.push('command must be a string of 1..256 characters');
  const userId = idValue(body.userId, 'userId', problems);
  const chatId = idValue(body.chatId, 'chatId', problems);
  if (body.content !== undefined && JSON.stringify(body.content).length > 4096) problems.push('content must be at most 4096 bytes');
  const mode = body.mode ?? 'sync';
  if (mode !== 'sync' && mode !== 'async') problems.push('mode must be sync or async');
  const expiresIn = body.expiresIn;
  if (expiresIn !== undefined && (!Number.isInteger(expiresIn) || (expiresIn as number) < 1 || (expiresIn as number) > 31_536_000)) {
    problems.push('expiresIn must be an integer of 1..31536000');
  }
  if (problems.length > 0) {
    res.status(400).json({ error: 'bad_request', problems });
    return;
  }
  const webhookId = randomUUID();
  const expiresAt = expiresIn === undefined ? null : new Date(Date.now() + (expiresIn as number) * 1000).toISOString();
  const claims: Claims = { w: webhookId, c: body.command as string, u: userId, ch: chatId, ct: body.content ?? null, m: mode as Claims['m'], e: expiresAt };
  const encoded = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const signature = hmac(bots.get(botId)!.urlKey, `${botId}.${encoded}`).toString('base64url');
  res.status(201).json({ webhookId, url: `${publicUrl}/w/${botId}/${encoded}.${signature}`, botId, command: claims.c, userId, chatId, mode, expiresAt });
}

function verify(botId: string, token: string): { bot: Bot; claims: Claims } {
  const bot = bots.get(botId);
  const dot = token.lastIndexOf('.');
  if (!bot || dot < 0) throw new HttpError(403, 'invalid signature');
  const encoded = token.slice(0, dot);
  const presented = Buffer.from(token.slice(dot + 1), 'base64url');
  const expected = hmac(bot.urlKey, `${botId}.${encoded}`);
  if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) throw new HttpError(403, 'invalid signature');
  const claims = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8')) as Claims;
  if (claims.e !== null && Date.parse(claims.e) <= Date.now()) throw new HttpError(410, 'this URL has expired');
  return { bot, claims };
}

async function receive(req: Request, res: Response): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'POST') {
    res.set('allow', 'GET, POST').status(405).json({ error: 'method_not_allowed' });
    return;
  }
  const botId = req.params.botId as string;
  const { bot, claims } = verify(botId, req.params.token as string);
  const id = randomUUID();
  const receivedAt = new Date();
  const body = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
  // What a later delivery needs, stored with the call: the contract's runtime message (§3.4).
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (!HOP_BY_HOP.has(name) && value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  const issuedContent = claims.ct;
  const payload = JSON.stringify({
    type: 'webhook',
    invocationId: id,
    webhookId: claims.w,
    botId,
    command: claims.c,
    userId: claims.u,
    chatId: claims.ch,
    content: body !== '' ? body : issuedContent === null ? '' : typeof issuedContent === 'string' ? issuedContent : JSON.stringify(issuedContent),
    issuedContent,
    options: { url: `${publicUrl}${req.originalUrl}`, method: req.method, params: req.query, headers, ip: req.socket.remoteAddress, body },
    receivedAt: receivedAt.toISOString(),
  });
  const async = claims.m === 'async' || bot.runtime === null;
  await pool.query({
    name: 'ref-insert-invocation',
    text: `INSERT INTO ref_invocations (id, webhook_id, bot_id, command, user_id, chat_id, method, status, payload, received_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    values: [id, claims.w, botId, claims.c, claims.u, claims.ch, req.method, async ? 'queued' : 'received', payload, receivedAt],
  });
  if (async) {
    res.status(202).json({ accepted: true, invocationId: id });
    return;
  }

  let messages: string[];
  try {
    const reply = await agent.request({
      origin: bot.runtime!.origin,
      path: bot.runtime!.pathname,
      method: 'POST',
      headers: standardWebhookHeaders(bot.signingKey, id, payload),
      body: payload,
      headersTimeout: RUNTIME_TIMEOUT_MS,
      bodyTimeout: RUNTIME_TIMEOUT_MS,
    });
    const parsed = (await reply.body.json()) as { messages?: unknown; error?: unknown };
    if (reply.statusCode < 200 || reply.statusCode > 299 || parsed.error !== undefined) throw new Error(`runtime answered ${reply.statusCode}`);
    messages = Array.isArray(parsed.messages) ? parsed.messages.map(String) : [];
  } catch (error) {
    await pool.query({
      name: 'ref-fail-invocation',
      text: `UPDATE ref_invocations SET status = 'failed', http_status = 503, error = $2, finished_at = now() WHERE id = $1`,
      values: [id, (error as Error).message],
    });
    throw new HttpError(503, 'the bot runtime did not answer');
  }
  const answer = messages.length > 0 ? messages[messages.length - 1] : null;
  await pool.query({
    name: 'ref-answer-invocation',
    text: `UPDATE ref_invocations SET status = 'answered', http_status = 200, answer = $2, finished_at = now() WHERE id = $1`,
    values: [id, answer],
  });
  res.status(200).json({ answer, messages });
}

/** ajv fills no defaults inside oneOf, so the contract's two defaults are filled here. */
function withDefaults(responses: unknown[]): unknown[] {
  for (const response of responses as Array<{ delay?: number; buttons?: Array<{ type: string; height?: string }>; elements?: Array<{ buttons: Array<{ type: string; height?: string }> }> }>) {
    response.delay ??= 1000;
    for (const button of [...(response.buttons ?? []), ...(response.elements ?? []).flatMap((e) => e.buttons)]) {
      if (button.type === 'webview') button.height ??= 'compact';
    }
  }
  return responses;
}

async function dispatch(req: Request, res: Response): Promise<void> {
  const row = await authenticate(req, {
    name: 'ref-auth-connection',
    text: `SELECT c.id, c.name, c.url, c.signing_secret, c.timeout_ms
           FROM ref_api_keys k LEFT JOIN ref_connections c ON c.bot_id = k.bot_id AND c.id = $2
           WHERE k.key_hash = $1 AND k.revoked_at IS NULL`,
    values: [req.params.id],
  });
  if (row.id === null) throw new HttpError(404, `connection ${req.params.id} not found`);
  const body = req.body as Record<string, unknown>;
  const problems: string[] = [];
  const chatId = idValue(body.chatId, 'chatId', problems);
  const userId = idValue(body.userId, 'userId', problems);
  if (chatId === null || userId === null) problems.push('chatId and userId are required');
  if (problems.length > 0) {
    res.status(400).json({ error: 'bad_request', problems });
    return;
  }
  const deliveryId = randomUUID();
  const chat = JSON.stringify({
    chatId,
    messageId: typeof body.messageId === 'string' ? body.messageId : randomUUID(),
    userId,
    externalId: body.externalId,
    node: { type: 'WEBHOOK', webhookId: row.id, webhookName: row.name },
    userAttributes: body.userAttributes ?? {},
    attributes: body.attributes ?? {},
  });
  const url = new URL(row.url);
  const started = performance.now();
  const reply = await agent.request({
    origin: url.origin,
    path: url.pathname + url.search,
    method: 'POST',
    headers: standardWebhookHeaders(Buffer.from(row.signing_secret.slice(6), 'base64'), deliveryId, chat),
    body: chat,
    headersTimeout: row.timeout_ms,
    bodyTimeout: row.timeout_ms,
  });
  const text = await reply.body.text();
  const durationMs = Math.round(performance.now() - started);
  let failure: string | null = null;
  let parsed: { responses?: unknown[]; attributes?: Record<string, unknown> } = {};
  if (reply.statusCode < 200 || reply.statusCode > 299) failure = `Request failed with status code ${reply.statusCode}`;
  else if (Buffer.byteLength(text) > MAX_REPLY_BYTES) failure = 'reply too large';
  else if (text !== '') {
    try {
      parsed = JSON.parse(text);
    } catch {
      failure = 'reply is not JSON';
    }
    if (failure === null && !validateReply(parsed)) failure = validateReply.errors!.map((e) => `${e.instancePath} ${e.message}`).join('; ');
  }
  await pool.query({
    name: 'ref-insert-delivery',
    text: `INSERT INTO ref_deliveries (id, connection_id, status, http_status, duration_ms, request_body, response_body) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    values: [deliveryId, row.id, failure === null ? 'succeeded' : 'failed', reply.statusCode, durationMs, chat, text],
  });
  if (failure !== null) throw new HttpError(502, failure);
  res.status(200).json({ deliveryId, durationMs, responses: withDefaults(parsed.responses ?? []), attributes: parsed.attributes ?? {} });
}

async function main(): Promise<void> {
  const { rows } = await pool.query('SELECT id, url_key, runtime_url, signing_secret FROM ref_bots');
  for (const row of rows) {
    bots.set(row.id, {
      urlKey: Buffer.from(row.url_key, 'base64'),
      runtime: row.runtime_url === null ? null : new URL(row.runtime_url),
      signingKey: Buffer.from(row.signing_secret.slice(6), 'base64'),
    });
  }
  // Express 5 hands a handler's rejected promise to the error middleware below.
  const app = express();
  app.disable('x-powered-by');
  app.post('/v1/webhooks', express.json({ limit: '1mb' }), issue);
  app.all('/w/:botId/:token', express.raw({ type: () => true, limit: '1mb' }), receive);
  app.post('/v2/integrations/webhook/:id/dispatch', express.json({ limit: '1mb' }), dispatch);
  app.use((error: Error & { status?: number }, _req: Request, res: Response, _next: NextFunction) => {
    const status = error instanceof HttpError ? error.status : (error.status ?? 500);
    res.status(status).json({ error: status >= 500 && !(error instanceof HttpError) ? 'internal error' : error.message });
  });
  const server = app.listen(0, '127.0.0.1', () => {
    const port = (server.address() as AddressInfo).port;
    publicUrl = `http://127.0.0.1:${port}`;
    process.send!({ url: publicUrl });
  });
  server.keepAliveTimeout = 60_000;
  process.on('disconnect', () => process.exit(0));
}

void main();
