import { isUtf8 } from 'node:buffer';

/** What the caller of a sync URL is answered when the runtime sets the response itself. */
export interface RuntimeResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export type RuntimeOutcome =
  | { ok: true; httpStatus: number; messages: string[]; response: RuntimeResponse | null }
  | { ok: false; httpStatus: number | null; error: string };

/** Headers a runtime may set on the answer; everything else about the answer is ours. */
const PASSABLE_HEADER = /^(content-type|cache-control|location|x-[a-z0-9!#$%&'*+.^_`|~-]+)$/;
const RESERVED_HEADERS = new Set(['x-request-id']);
const SAFE_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/**
 * Judges a runtime's reply: `{messages?: string[], response?: {status?, headers?, body?}, error?}` with
 * a 2xx status. Anything else is a failure whose text is kept on the invocation. An empty 2xx body is
 * a reply with nothing to say.
 */
export function readRuntimeReply(status: number, body: Buffer): RuntimeOutcome {
  if (status < 200 || status > 299) return failure(status, `Request failed with status code ${status}`);
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
  if (error !== undefined && error !== null) return failure(status, `the runtime reported an error: ${typeof error === 'string' ? error : JSON.stringify(error)}`);
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
    if (PASSABLE_HEADER.test(name) && !RESERVED_HEADERS.has(name) && text !== null && SAFE_VALUE.test(text)) passed[name] = text;
  }
  if (body === undefined || body === null) return { status, headers: passed, body: '' };
  if (typeof body === 'string') {
    passed['content-type'] ??= 'text/plain; charset=utf-8';
    return { status, headers: passed, body };
  }
  passed['content-type'] ??= 'application/json; charset=utf-8';
  return { status, headers: passed, body: JSON.stringify(body) };
}

function failure(httpStatus: number, error: string): RuntimeOutcome {
  return { ok: false, httpStatus, error };
}
