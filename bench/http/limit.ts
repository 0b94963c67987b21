/*
 * The limit: what a receive and a dispatch cannot do without, on node:http + pg + undici and nothing else,
 * so that bothooks is measured against the least a server could spend on the same answers.
 * - receive: parse the issued URL, verify its HMAC with bothooks' own pure function, build the §3.4
 *   message and store it as bothooks does (the frame with holes and without what the columns hold, the
 *   body as bytea, the URL's signature sealed with AES-256-GCM), group-committed; one JSON log line; 202
 *   after the commit.
 * - dispatch: the bearer key's hash and the connection looked up in memory, the chat signed the Standard
 *   Webhooks way and POSTed to the backend, its reply parsed and validated with an ajv-compiled schema,
 *   the delivery row group-committed; one JSON log line; 200 after the commit.
 * No metrics, no rate limits, no revocation or idempotency checks: those are what bothooks adds on top.
 * It has tables of its own beside bothooks' (the same columns and the index a list needs).
 */
import { createCipheriv, createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import { openSync, write } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Ajv from 'ajv';
import { Pool } from 'pg';
import { Agent } from 'undici';
import { replyAjvSchema } from '../../src/responses/response.schema';
import { issueWebhookUrl, openWebhookToken, readWebhookToken } from '../../src/webhooks/issue/webhook-url';

const SCHEMA = [
  `CREATE TABLE limit_invocations (
    id uuid PRIMARY KEY,
    webhook_id uuid NOT NULL,
    bot_id varchar(24) NOT NULL,
    command varchar(256) NOT NULL,
    user_id varchar(64),
    chat_id varchar(64),
    method varchar(4) NOT NULL,
    route varchar(4) NOT NULL,
    status varchar(9) NOT NULL,
    payload text NOT NULL,
    body bytea,
    sealed text,
    received_at timestamptz NOT NULL
  )`,
  `CREATE INDEX limit_invocations_bot_page ON limit_invocations (bot_id, id DESC)`,
  `CREATE TABLE limit_deliveries (
    id uuid PRIMARY KEY,
    connection_id varchar(24) NOT NULL,
    bot_id varchar(24) NOT NULL,
    status varchar(16) NOT NULL,
    http_status integer,
    duration_ms integer NOT NULL,
    error text,
    request_url text NOT NULL,
    request_headers jsonb NOT NULL,
    request_body text NOT NULL,
    response_body text,
    created_at timestamptz NOT NULL DEFAULT now()
  )`,
  `CREATE INDEX limit_deliveries_page ON limit_deliveries (connection_id, created_at DESC, id DESC)`,
];

/**
 * BENCH_LIMIT_INDEXES=product gives the limit's invocations the indexes bothooks' lists, stats and pull
 * queue need (contract §6: a page costs the same at any size), to tell what of the gap is Postgres keeping
 * those indexes and what is bothooks' own work. Not the default: the limit is the least a receive can do.
 */
const PRODUCT_INDEXES = [
  `CREATE INDEX ON limit_invocations (bot_id, status, id)`,
  `CREATE INDEX ON limit_invocations (bot_id, command, status, id)`,
  `CREATE INDEX ON limit_invocations (command, status, id)`,
  `CREATE INDEX ON limit_invocations (status, id)`,
  `CREATE INDEX ON limit_invocations (bot_id, received_at) INCLUDE (status)`,
  `CREATE INDEX ON limit_invocations (bot_id, received_at, id) WHERE route = 'pull' AND status = 'queued'`,
];

const INSERT_INVOCATIONS = `
  INSERT INTO limit_invocations (id, webhook_id, bot_id, command, user_id, chat_id, method, route, status, payload, body, sealed, received_at)
  SELECT t.id, t.webhook_id, t.bot_id, t.command, t.user_id, t.chat_id, t.method, 'pull', 'queued', p.payload, t.body, t.sealed, t.received_at
  FROM unnest($1::uuid[], $2::uuid[], $3::varchar[], $4::varchar[], $5::varchar[], $6::varchar[], $7::varchar[], $9::bytea[], $10::text[], $11::timestamptz[])
    WITH ORDINALITY AS t(id, webhook_id, bot_id, command, user_id, chat_id, method, body, sealed, received_at, ord)
  JOIN json_array_elements_text($8::json) WITH ORDINALITY AS p(payload, ord) ON p.ord = t.ord`;

const INSERT_DELIVERIES = `
  INSERT INTO limit_deliveries (id, connection_id, bot_id, status, http_status, duration_ms, error, request_url, request_headers, request_body, response_body)
  SELECT * FROM unnest($1::uuid[], $2::varchar[], $3::varchar[], $4::varchar[], $5::int[], $6::int[], $7::text[], $8::text[], $9::jsonb[], $10::text[], $11::text[])`;

const MAX_BODY_BYTES = 1024 * 1024;
const MAX_REPLY_BYTES = 64 * 1024;
const SIGNATURE_LENGTH = 43;
const HOLE = '\u0001';
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']);
const JSON_TYPE = 'application/json; charset=utf-8';

const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 20 });
pool.on('error', (error) => process.stderr.write(`limit: idle database connection lost: ${error.message}\n`));
const agent = new Agent({ connections: 128, keepAliveTimeout: 30_000 });
const validateReply = new Ajv({ allErrors: true }).compile(replyAjvSchema);
const encryptionKey = randomBytes(32);
const hex24 = (): string => randomBytes(12).toString('hex');

const bot = { id: hex24(), keyVersion: 1, urlKey: randomBytes(32) };
const apiKey = `lim_${randomBytes(32).toString('base64url')}`;
const keyHashes = new Map([[createHash('sha256').update(apiKey).digest('hex'), bot.id]]);
const connection = {
  id: hex24(),
  botId: bot.id,
  name: 'bench backend',
  url: new URL(process.env.BACKEND_URL!),
  signingKey: randomBytes(32),
  timeoutMs: 10_000,
};
let publicUrl = '';

/** Group commit: rows that arrive while a few statements are in flight go out together in the next one. */
class GroupCommit<T> {
  private queue: Array<{ row: T; done: (error: Error | null) => void }> = [];
  private running = 0;
  private scheduled = false;

  constructor(private readonly write: (rows: T[]) => Promise<unknown>) {}

  add(row: T): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ row, done: (error) => (error ? reject(error) : resolve()) });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.running >= 4 || this.queue.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      const batch = this.queue.splice(0, 256);
      this.running++;
      this.write(batch.map((b) => b.row)).then(
        () => batch.forEach((b) => b.done(null)),
        (error: Error) => batch.forEach((b) => b.done(error)),
      ).finally(() => {
        this.running--;
        this.schedule();
      });
      this.schedule();
    });
  }
}

interface InvocationRow {
  id: string;
  webhookId: string;
  botId: string;
  command: string;
  userId: string | null;
  chatId: string | null;
  method: string;
  payload: string;
  body: Buffer | null;
  sealed: string;
  receivedAt: Date;
}

const invocations = new GroupCommit<InvocationRow>((rows) =>
  pool.query({
    name: 'limit-insert-invocations',
    text: INSERT_INVOCATIONS,
    values: [
      rows.map((r) => r.id),
      rows.map((r) => r.webhookId),
      rows.map((r) => r.botId),
      rows.map((r) => r.command),
      rows.map((r) => r.userId),
      rows.map((r) => r.chatId),
      rows.map((r) => r.method),
      JSON.stringify(rows.map((r) => r.payload)),
      rows.map((r) => r.body),
      rows.map((r) => r.sealed),
      rows.map((r) => r.receivedAt),
    ],
  }),
);

type DeliveryRow = [string, string, string, string, number, number, string | null, string, string, string, string];
const deliveries = new GroupCommit<DeliveryRow>((rows) =>
  pool.query({ name: 'limit-insert-deliveries', text: INSERT_DELIVERIES, values: rows[0].map((_, i) => rows.map((r) => r[i])) }),
);

/** One JSON line per request, written out 4 KiB at a time or every 100 ms, as bothooks writes its log. */
const logFd = openSync(process.env.BENCH_LOG ?? '/dev/null', 'a');
let logBuffer = '';
let logWriting = false;
function logLine(req: IncomingMessage, statusCode: number, path: string, started: number): void {
  logBuffer +=
    `{"level":30,"time":"${new Date().toISOString()}","service":"limit","req":{"id":"${randomUUID()}","method":"${req.method}","path":"${path}",` +
    `"ip":"${req.socket.remoteAddress}"},"res":{"statusCode":${statusCode}},"responseTime":${Math.round(performance.now() - started)},"msg":"request completed"}\n`;
  if (logBuffer.length >= 4096) flushLog();
}
function flushLog(): void {
  if (logWriting || logBuffer === '') return;
  const text = logBuffer;
  logBuffer = '';
  logWriting = true;
  write(logFd, text, () => {
    logWriting = false;
    if (logBuffer.length >= 4096) flushLog();
  });
}
setInterval(flushLog, 100).unref();

function answer(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': JSON_TYPE, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function seal(plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', encryptionKey, iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return `v1.${iv.toString('base64url')}.${cipher.getAuthTag().toString('base64url')}.${ciphertext.toString('base64url')}`;
}

function uuidv7(now: number): string {
  const time = now.toString(16).padStart(12, '0');
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${randomUUID().slice(15)}`;
}

async function receive(req: IncomingMessage, res: ServerResponse, raw: Buffer): Promise<number> {
  const url = req.url!;
  const at = url.indexOf('?');
  const path = at === -1 ? url : url.slice(0, at);
  const rawQuery = at === -1 ? '' : url.slice(at + 1);
  const token = readWebhookToken(path.slice(3));
  const claims = token && token.botId === bot.id && token.keyVersion === bot.keyVersion ? openWebhookToken(token, rawQuery, bot.urlKey) : null;
  if (claims === null) return fail(res, 403, 'invalid webhook URL signature');
  const receivedAt = new Date();
  if (claims.expiresAt !== null && claims.expiresAt * 1000 <= receivedAt.getTime()) return fail(res, 410, 'this URL has expired');

  const id = uuidv7(receivedAt.getTime());
  const headers: Record<string, string> = Object.create(null);
  for (const name in req.headers) {
    const value = req.headers[name];
    if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  const params: Record<string, string | string[]> = Object.create(null);
  for (const [name, value] of new URLSearchParams(rawQuery)) {
    const seen = params[name];
    params[name] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  const body = raw.length === 0 ? null : isUtf8(raw) ? raw : null;
  const encoding = raw.length > 0 && body === null ? 'base64' : 'utf8';
  const issued = claims.content;
  const full = publicUrl + url;
  const signatureEnd = publicUrl.length + path.length;
  const urlText = `${JSON.stringify(full.slice(0, signatureEnd - SIGNATURE_LENGTH)).slice(0, -1)}${HOLE}${JSON.stringify(full.slice(signatureEnd)).slice(1)}`;
  const bodyHole = raw.length === 0 ? null : HOLE;
  // As bothooks stores it: without the head and tail that the row's columns hold (ids, command, receive time).
  const frame =
    `"content":${bodyHole ?? JSON.stringify(issued === undefined ? '' : typeof issued === 'string' ? issued : JSON.stringify(issued))},` +
    `"issuedContent":${JSON.stringify(issued === undefined ? null : issued)},"options":{"url":${urlText},"method":"${req.method}",` +
    `"params":${JSON.stringify(params)},"headers":${JSON.stringify(headers)},"ip":"${req.socket.remoteAddress}","body":${bodyHole ?? '""'}` +
    `${encoding === 'base64' ? ',"bodyEncoding":"base64"' : ''}}`;
  await invocations.add({
    id,
    webhookId: claims.webhookId,
    botId: claims.botId,
    command: claims.command,
    userId: claims.userId,
    chatId: claims.chatId,
    method: req.method!,
    payload: frame,
    body: raw.length === 0 ? null : raw,
    sealed: seal(JSON.stringify([full.slice(signatureEnd - SIGNATURE_LENGTH, signatureEnd)])),
    receivedAt,
  });
  answer(res, 202, `{"accepted":true,"invocationId":"${id}"}`);
  return 202;
}

function idValue(value: unknown): string | null {
  if ((typeof value !== 'string' && typeof value !== 'number') || String(value).length === 0 || String(value).length > 64) return null;
  return String(value);
}

async function dispatch(req: IncomingMessage, res: ServerResponse, raw: Buffer, id: string): Promise<number> {
  const match = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
  const botId = match ? keyHashes.get(createHash('sha256').update(match[1]).digest('hex')) : undefined;
  if (botId === undefined) return fail(res, 401, 'missing, unknown or revoked API key');
  if (id !== connection.id || botId !== connection.botId) return fail(res, 404, `connection ${id} not found`);
  let input: Record<string, any>;
  try {
    input = JSON.parse(raw.toString('utf8'));
  } catch {
    return fail(res, 400, 'request body is not JSON');
  }
  const chatId = idValue(input?.chatId);
  const userId = idValue(input?.userId);
  if (chatId === null || userId === null) return fail(res, 400, 'chatId and userId are required strings or numbers of 1..64 characters');

  const chat = JSON.stringify({
    chatId,
    messageId: typeof input.messageId === 'string' ? input.messageId : randomUUID(),
    userId,
    externalId: input.externalId ?? null,
    node: { id: input.node?.id ?? null, name: input.node?.name ?? null, type: 'WEBHOOK', webhookId: connection.id, webhookName: connection.name },
    userAttributes: input.userAttributes ?? {},
    attributes: input.attributes ?? {},
  });
  const deliveryId = randomUUID();
  const timestamp = Math.floor(Date.now() / 1000).toString();
  const signed = {
    'content-type': 'application/json',
    'webhook-id': deliveryId,
    'webhook-timestamp': timestamp,
    'webhook-signature': `v1,${createHmac('sha256', connection.signingKey).update(`${deliveryId}.${timestamp}.`).update(chat).digest('base64')}`,
  };
  const started = performance.now();
  const reply = await agent.request({
    origin: connection.url.origin,
    path: connection.url.pathname,
    method: 'POST',
    headers: signed,
    body: chat,
    headersTimeout: connection.timeoutMs,
    bodyTimeout: connection.timeoutMs,
  });
  const text = await reply.body.text();
  const durationMs = Math.round(performance.now() - started);
  let failure: string | null = null;
  let parsed: { responses?: Array<Record<string, unknown>>; attributes?: Record<string, unknown> } = {};
  if (reply.statusCode < 200 || reply.statusCode > 299) failure = `Request failed with status code ${reply.statusCode}`;
  else if (Buffer.byteLength(text) > MAX_REPLY_BYTES) failure = 'reply too large';
  else {
    try {
      parsed = text === '' ? {} : JSON.parse(text);
      if (!validateReply(parsed)) failure = validateReply.errors!.map((e) => `${e.instancePath} ${e.message}`).join('; ');
    } catch {
      failure = 'reply is not JSON';
    }
  }
  await deliveries.add([
    deliveryId,
    connection.id,
    connection.botId,
    failure === null ? 'succeeded' : 'failed',
    reply.statusCode,
    durationMs,
    failure,
    connection.url.href,
    JSON.stringify(signed),
    chat,
    text,
  ]);
  if (failure !== null) return fail(res, 502, failure);
  const responses = (parsed.responses ?? []).map((r) => ({ ...r, delay: r.delay ?? 1000 }));
  answer(res, 200, JSON.stringify({ deliveryId, durationMs, responses, attributes: parsed.attributes ?? {} }));
  return 200;
}

function fail(res: ServerResponse, status: number, message: string): number {
  answer(res, status, JSON.stringify({ status: { code: status, message } }));
  return status;
}

const DISPATCH = /^\/v2\/integrations\/webhook\/([0-9a-f]{24})\/dispatch$/;

function handle(req: IncomingMessage, res: ServerResponse): void {
  const started = performance.now();
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size <= MAX_BODY_BYTES) chunks.push(chunk);
  });
  req.on('end', () => {
    const url = req.url ?? '/';
    const raw = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
    const dispatchMatch = req.method === 'POST' ? DISPATCH.exec(url) : null;
    let path = url.split('?')[0];
    let served: Promise<number>;
    if (size > MAX_BODY_BYTES) served = Promise.resolve(fail(res, 413, 'body too large'));
    else if (url.startsWith('/w/') && (req.method === 'GET' || req.method === 'POST')) {
      path = '/w/[redacted]';
      served = receive(req, res, raw);
    } else if (dispatchMatch) served = dispatch(req, res, raw, dispatchMatch[1]);
    else served = Promise.resolve(fail(res, 404, 'not found'));
    served.then(
      (status) => logLine(req, status, path, started),
      (error: Error) => logLine(req, fail(res, error.message.includes('connect') ? 502 : 503, error.message), path, started),
    );
  });
}

async function main(): Promise<void> {
  for (const statement of [...SCHEMA, ...(process.env.BENCH_LIMIT_INDEXES === 'product' ? PRODUCT_INDEXES : [])]) await pool.query(statement);
  const server = createServer({ keepAliveTimeout: 60_000 }, handle);
  server.listen(0, '127.0.0.1', () => {
    publicUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const asyncUrl = issueWebhookUrl(
      publicUrl,
      {
        webhookId: randomUUID(),
        botId: bot.id,
        keyVersion: bot.keyVersion,
        command: '/onPayment',
        userId: '42',
        chatId: '42',
        content: { orderId: 'A-1001', plan: 'pro' },
        params: null,
        redirect: null,
        expiresAt: Math.floor(Date.now() / 1000) + 86_400,
        singleUse: false,
        mode: 'async',
        deadlineMs: null,
        cors: null,
      },
      bot.urlKey,
    );
    process.send!({ url: publicUrl, asyncUrl, apiKey, connectionId: connection.id });
  });
  process.on('disconnect', () => process.exit(0));
}

void main();
