import { AppError, FieldError } from '../../common/errors';
import { isObjectId } from '../../common/ids';
import { isHttpUrl } from '../../common/http-url';

export const MAX_COMMAND = 256;
export const MAX_ID = 64;
export const MAX_REDIRECT = 2048;
export const MAX_CONTENT_BYTES = 4096;
export const MAX_PARAMS = 20;
export const MAX_EXPIRES_IN = 31_536_000;
export const MAX_CORS_ORIGINS = 10;
export const MIN_DEADLINE_MS = 100;
export const DEFAULT_DEADLINE_MS = 3000;
/** A scheme, a host of at most 253 characters and a port. */
const MAX_ORIGIN = 300;

export interface IssueRequest {
  botId: string | undefined;
  command: string;
  userId: string | null;
  chatId: string | null;
  /** undefined when no content was given. */
  content: unknown;
  params: Record<string, string> | null;
  redirect: string | null;
  expiresIn: number | null;
  singleUse: boolean;
  mode: 'sync' | 'async' | 'auto';
  /** How long an auto call waits for the runtime before answering 202; null unless mode is auto. */
  deadlineMs: number | null;
  /** Normalized origins, or `['*']`; null when browsers may not read the answers. */
  cors: string[] | null;
}

/** Names the bots of older platforms use, accepted so that they port over unchanged. */
const ALIASES = { user_id: 'userId', chat_id: 'chatId', redirect_to: 'redirect', options: 'content' } as const;
type Aliased = (typeof ALIASES)[keyof typeof ALIASES];
const ALIAS_OF = Object.fromEntries(Object.entries(ALIASES).map(([alias, name]) => [name, alias])) as Record<Aliased, string>;
const FIELDS = new Set(['botId', 'command', 'userId', 'chatId', 'content', 'params', 'redirect', 'expiresIn', 'singleUse', 'mode', 'deadlineMs', 'cors', ...Object.keys(ALIASES)]);
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** A redirect becomes a Location header: control characters there are an attack, not an address. */
const CONTROL = /\p{Cc}/u;
/** Postgres text cannot hold NUL, and these values are stored with every call. */
const hasNul = (text: string): boolean => text.includes('\u0000');
/** Only what an Origin header can hold: no path, query, fragment or user info, not even a trailing slash. */
const ORIGIN = /^https?:\/\/[^/?#@\\\s]+$/i;

/**
 * Checks a `POST /v1/webhooks` body by hand and lists every problem with its path. Issuing is pure CPU
 * and meant to be cheap, so it does not go through class-validator. `null` counts as absent.
 */
export function parseIssueRequest(body: unknown, maxDeadlineMs: number): IssueRequest {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new AppError('bad_request', 'request body must be a JSON object');
  const input = { ...(body as Record<string, unknown>) };
  // Bots.Business snippets send `redirect_to: ""` for "no redirect".
  for (const name of ['redirect', 'redirect_to']) if (input[name] === '') input[name] = undefined;
  const errors: FieldError[] = [];
  for (const name of Object.keys(input)) if (!FIELDS.has(name)) errors.push({ path: name, message: 'unknown field' });
  for (const [alias, name] of Object.entries(ALIASES)) {
    if (given(input[alias]) && given(input[name])) errors.push({ path: alias, message: `give ${name} or ${alias}, not both` });
  }
  // The path in an error is the name the caller used.
  const pick = (name: Aliased): [string, unknown] => (given(input[ALIAS_OF[name]]) ? [ALIAS_OF[name], input[ALIAS_OF[name]]] : [name, input[name]]);

  const request: IssueRequest = {
    botId: undefined,
    command: '',
    userId: null,
    chatId: null,
    content: undefined,
    params: null,
    redirect: null,
    expiresIn: null,
    singleUse: false,
    mode: 'sync',
    deadlineMs: null,
    cors: null,
  };

  if (given(input.botId)) {
    if (typeof input.botId === 'string' && isObjectId(input.botId)) request.botId = input.botId;
    else errors.push({ path: 'botId', message: 'botId must be 24 lowercase hex characters' });
  }

  if (typeof input.command === 'string' && input.command.length >= 1 && input.command.length <= MAX_COMMAND && !hasNul(input.command)) request.command = input.command;
  else errors.push({ path: 'command', message: given(input.command) ? `command must be a string of 1 to ${MAX_COMMAND} characters, without NUL` : 'command is required' });

  const [userPath, userId] = pick('userId');
  if (given(userId)) request.userId = readId(userPath, userId, errors);
  const [chatPath, chatId] = pick('chatId');
  if (given(chatId)) request.chatId = readId(chatPath, chatId, errors);

  const [contentPath, content] = pick('content');
  if (given(content)) {
    const size = Buffer.byteLength(JSON.stringify(content));
    if (size <= MAX_CONTENT_BYTES) request.content = content;
    else errors.push({ path: contentPath, message: `${contentPath} must be at most ${MAX_CONTENT_BYTES} bytes as JSON, got ${size}` });
  }

  if (given(input.params)) request.params = readParams(input.params, errors);

  const [redirectPath, redirect] = pick('redirect');
  if (given(redirect)) {
    // Normalized (non-ASCII percent-encoded, host in punycode), as a Location header must be.
    if (isHttpUrl(redirect, MAX_REDIRECT) && !CONTROL.test(redirect as string)) request.redirect = new URL(redirect as string).href;
    else errors.push({ path: redirectPath, message: `${redirectPath} must be an http or https URL of at most ${MAX_REDIRECT} characters` });
  }

  if (given(input.expiresIn)) {
    const value = input.expiresIn;
    if (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= MAX_EXPIRES_IN) request.expiresIn = value;
    else errors.push({ path: 'expiresIn', message: `expiresIn must be an integer number of seconds from 1 to ${MAX_EXPIRES_IN}` });
  }

  if (given(input.singleUse)) {
    if (typeof input.singleUse === 'boolean') request.singleUse = input.singleUse;
    else errors.push({ path: 'singleUse', message: 'singleUse must be a boolean' });
  }

  if (given(input.mode)) {
    if (input.mode === 'sync' || input.mode === 'async' || input.mode === 'auto') request.mode = input.mode;
    else errors.push({ path: 'mode', message: 'mode must be "sync", "async" or "auto"' });
  }

  if (given(input.deadlineMs)) {
    const value = input.deadlineMs;
    if (input.mode !== 'auto') errors.push({ path: 'deadlineMs', message: 'deadlineMs goes only with mode "auto"' });
    else if (typeof value === 'number' && Number.isInteger(value) && value >= MIN_DEADLINE_MS && value <= maxDeadlineMs) request.deadlineMs = value;
    else errors.push({ path: 'deadlineMs', message: `deadlineMs must be an integer number of milliseconds from ${MIN_DEADLINE_MS} to ${maxDeadlineMs} (RUNTIME_TIMEOUT_MS)` });
  } else if (request.mode === 'auto') {
    // A runtime timeout shorter than the default deadline is the deadline that can be kept.
    request.deadlineMs = Math.min(DEFAULT_DEADLINE_MS, maxDeadlineMs);
  }

  if (given(input.cors)) request.cors = readCors(input.cors, errors);

  if (errors.length > 0) throw new AppError('bad_request', 'request validation failed', { errors: errors });
  return request;
}

function given(value: unknown): boolean {
  return value !== undefined && value !== null;
}

/** User and chat ids arrive as strings or numbers (Telegram's are numbers) and are kept as strings. */
function readId(path: string, value: unknown, errors: FieldError[]): string | null {
  const text = typeof value === 'string' ? value : typeof value === 'number' && Number.isFinite(value) ? String(value) : undefined;
  if (text !== undefined && text.length <= MAX_ID && !hasNul(text)) return text;
  errors.push({ path, message: `${path} must be a string or a number of at most ${MAX_ID} characters, without NUL` });
  return null;
}

/** Values become text as in a query string: TeleBotHost bots pass `{page: 2}`. */
function readParams(value: unknown, errors: FieldError[]): Record<string, string> | null {
  if (typeof value !== 'object' || Array.isArray(value)) {
    errors.push({ path: 'params', message: 'params must be an object of strings, numbers or booleans' });
    return null;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  let ok = true;
  const params: Record<string, string> = {};
  if (entries.length > MAX_PARAMS) {
    errors.push({ path: 'params', message: `params must have at most ${MAX_PARAMS} entries, got ${entries.length}` });
    ok = false;
  }
  for (const [name, item] of entries) {
    if (name === '' || LONE_SURROGATE.test(name)) {
      errors.push({ path: `params.${name}`, message: 'parameter names must be non-empty Unicode text' });
      ok = false;
    } else if (typeof item === 'number' || typeof item === 'boolean') {
      params[name] = String(item);
    } else if (typeof item === 'string' && !LONE_SURROGATE.test(item)) {
      params[name] = item;
    } else {
      errors.push({ path: `params.${name}`, message: `params.${name} must be a string, a number or a boolean` });
      ok = false;
    }
  }
  return ok && entries.length > 0 ? params : null;
}

/** Kept in the form browsers send in Origin (lowercase, punycode host, no default port), so that a call matches exactly. */
function readCors(value: unknown, errors: FieldError[]): string[] | null {
  if (!Array.isArray(value) || value.length < 1 || value.length > MAX_CORS_ORIGINS) {
    errors.push({ path: 'cors', message: `cors must be an array of 1 to ${MAX_CORS_ORIGINS} origins, or ["*"]` });
    return null;
  }
  if (value.length === 1 && value[0] === '*') return ['*'];
  const origins = new Set<string>();
  value.forEach((item: unknown, index) => {
    const origin = readOrigin(item);
    if (origin !== null) origins.add(origin);
    else errors.push({ path: `cors[${index}]`, message: 'an origin is an http or https scheme, a host and an optional port, like https://shop.example; "*" must stand alone' });
  });
  return [...origins];
}

function readOrigin(value: unknown): string | null {
  if (typeof value !== 'string' || value.length > MAX_ORIGIN || !ORIGIN.test(value)) return null;
  try {
    return new URL(value).origin;
  } catch {
    return null;
  }
}
