import { isUtf8 } from 'node:buffer';
import type { WebhookRefusal } from '../shared/webhook-refusals';

/** What the caller of a sync URL is answered when the runtime sets the response itself. */
export interface RuntimeResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export type RuntimeFailureReason = Extract<WebhookRefusal, `runtime_${string}`>;

export type RuntimeOutcome =
  | { ok: true; httpStatus: number; messages: string[]; response: RuntimeResponse | null }
  | {
      ok: false;
      httpStatus: number | null;
      /** The full story, for the invocation: the bot's key may read it, the anonymous caller may not. */
      error: string;
      reason: RuntimeFailureReason;
      /** False only when the request certainly never got to the runtime, which then cannot have run the command. */
      reachedRuntime: boolean;
      /** How long a 429 or 503 asked to be left alone (its Retry-After), in milliseconds. */
      retryAfterMs?: number;
    };

/** The runtime's word that the call is for something that no longer exists: retrying cannot help. */
export const GONE_ERROR = 'runtime answered 410 Gone';

/** All a caller is told of a failed runtime: addresses and the runtime's own words stay on the invocation. */
export const RUNTIME_FAILURE_MESSAGES: Record<RuntimeFailureReason, string> = {
  runtime_timeout: 'the bot runtime did not answer in time',
  runtime_unreachable: 'the bot runtime could not be reached',
  runtime_bad_reply: 'the bot runtime gave a reply that could not be read',
  runtime_error: 'the bot runtime reported an error',
};

/** Headers a runtime may set on the answer (§3.2); everything else about the answer is ours. */
const PASSABLE_HEADER = /^(content-type|cache-control|location|access-control-expose-headers|x-[a-z0-9!#$%&'*+.^_`|~-]+)$/;
/** x- headers that proxies act on, or that would undo what bothooks promises about its own origin. */
const RESERVED_HEADER = /^x-(accel-.*|sendfile|forwarded-.*|real-ip|request-id|content-type-options|frame-options|xss-protection)$/;
const SAFE_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
/** Bodies a browser will not render as a page; anything else is sandboxed so it cannot script bothooks' origin. */
const INERT_TYPE = /^(application\/([a-z0-9.+-]+\+)?json|text\/plain)$/;

/**
 * Judges a runtime's reply: `{messages?: string[], response?: {status?, headers?, body?}, error?}` with
 * a 2xx status. Anything else is a failure whose text is kept on the invocation. An empty 2xx body is
 * a reply with nothing to say.
 */
export function readRuntimeReply(status: number, body: Buffer): RuntimeOutcome {
  if (status === 410) return failure(status, GONE_ERROR, 'runtime_error');
  if (status < 200 || status > 299) return failure(status, `Request failed with status code ${status}`, 'runtime_error');
  // Decoding would quietly turn broken bytes into U+FFFD and hand them to the caller as the runtime's answer.
  if (!isUtf8(body)) return failure(status, 'the runtime replied with invalid UTF-8');
  const text = body.toString('utf8').trim();
  if (text === '') return { ok: true, httpStatus: status, messages: [], response: null };
  let reply: unknown;
  try {
    reply = JSON.parse(text);
  } catch {
    return failure(status, 'the runtime replied with invalid JSON');
  }
  if (reply === null || typeof reply !== 'object' || Array.isArray(reply)) return failure(status, 'the runtime reply is not a JSON object');
  const { messages, response, error } = reply as Record<string, unknown>;
  if (error !== undefined && error !== null) return failure(status, `the runtime reported an error: ${typeof error === 'string' ? error : JSON.stringify(error)}`, 'runtime_error');
  if (messages !== undefined && messages !== null && !(Array.isArray(messages) && messages.every((m) => typeof m === 'string'))) {
    return failure(status, 'the runtime reply has messages that are not an array of strings');
  }
  let answer: RuntimeResponse | null = null;
  if (response !== undefined && response !== null) {
    const read = readResponse(response);
    if (typeof read === 'string') return failure(status, read);
    answer = read;
  }
  return { ok: true, httpStatus: status, messages: (messages as string[] | undefined | null) ?? [], response: answer };
}

function readResponse(response: unknown): RuntimeResponse | string {
  if (typeof response !== 'object' || Array.isArray(response)) return 'the runtime reply has a response that is not an object';
  const { status = 200, headers = {}, body } = response as Record<string, unknown>;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 200 || status > 599) {
    return 'the runtime reply has a response.status that is not an integer from 200 to 599';
  }
  if (headers === null || typeof headers !== 'object' || Array.isArray(headers)) return 'the runtime reply has response.headers that are not an object';
  const passed: Record<string, string> = {};
  for (const [rawName, value] of Object.entries(headers)) {
    const name = rawName.toLowerCase();
    const text = typeof value === 'string' ? value : typeof value === 'number' ? String(value) : null;
    if (text !== null && passable(name, text)) passed[name] = text;
  }
  let served: string;
  if (body === undefined || body === null) served = '';
  else if (typeof body === 'string') {
    passed['content-type'] ??= 'text/plain; charset=utf-8';
    served = body;
  } else {
    passed['content-type'] ??= 'application/json; charset=utf-8';
    served = JSON.stringify(body);
  }
  passed['x-content-type-options'] = 'nosniff';
  const mediaType = (passed['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (!INERT_TYPE.test(mediaType)) passed['content-security-policy'] = 'sandbox';
  return { status, headers: passed, body: served };
}

function passable(name: string, value: string): boolean {
  if (!PASSABLE_HEADER.test(name) || RESERVED_HEADER.test(name) || !SAFE_VALUE.test(value)) return false;
  return name !== 'location' || isSafeLocation(value);
}

/**
 * An absolute http(s) URL, or a path on this host. `//host` and `/\host` are other hosts to a browser,
 * and browsers drop tabs and spaces inside URLs, so `/\t/host` would be one too.
 */
function isSafeLocation(value: string): boolean {
  if (/[\s\\]/.test(value)) return false;
  if (value.startsWith('/')) return !value.startsWith('//');
  if (!/^https?:\/\//i.test(value)) return false;
  return URL.canParse(value);
}

function failure(httpStatus: number, error: string, reason: RuntimeFailureReason = 'runtime_bad_reply'): RuntimeOutcome {
  return { ok: false, httpStatus, error, reason, reachedRuntime: true };
}
