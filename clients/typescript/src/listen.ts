import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { secretKey, signatureHeaders } from './signature';

export interface ListenOptions {
  /** Base URL of the bothooks API, e.g. `http://localhost:3000`. */
  api: string;
  /** The bot's API key (`bh_bot_…`). */
  key: string;
  /** The local runtime's URL, which gets each update as its push delivery would arrive. */
  forwardTo: string;
  /** The bot's Standard Webhooks signing secret (`whsec_…`). */
  secret: string;
  /** Ends the listener: the long poll in flight is aborted and `listen` resolves. */
  signal: AbortSignal;
  /** Receives one line per forwarded call and per problem. */
  log: (line: string) => void;
}

/** Thrown for what retrying cannot fix (a bad key, a refused request); the CLI exits non-zero. */
export class ListenError extends Error {}

interface Update {
  updateId: number;
  invocationId: string;
  command: string;
  /** The §3.4 message exactly as the API sent it: the signature covers these bytes, not a re-serialization. */
  body: string;
}

const POLL_SECONDS = 25;
const LIMIT = 100;
// As long as the gateway's default RUNTIME_TIMEOUT_MS: a runtime that would time out in push mode does here too.
const FORWARD_TIMEOUT_MS = 10_000;
const BACKOFF_MS = [1000, 2000, 5000, 10_000, 30_000];
// Enough to confirm what was forwarded just before stopping, never enough to make Ctrl-C feel stuck.
const FINAL_CONFIRM_MS = 3000;

export const VERSION: string = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')).version;
const USER_AGENT = `bothooks-listen/${VERSION}`;

/**
 * Long-polls the bot's update queue (pull mode) and forwards each update to a local runtime, signed like a
 * push delivery. An update is confirmed (the next poll's offset passes it) only once the runtime answered
 * 2xx; a failure stops the batch there, so the same update comes back on the next round, after a backoff.
 */
export async function listen(options: ListenOptions): Promise<void> {
  const key = signingKey(options.secret);
  const api = options.api.replace(/\/+$/, '');
  let offset: number | undefined;
  // The offset the latest poll carried: the API confirms it as the poll arrives, before it starts waiting.
  let sentOffset: number | undefined;
  let failures = 0;
  options.log(`Ready: forwarding the bot's updates from ${api} to ${options.forwardTo} (Ctrl-C to stop)`);
  while (!options.signal.aborted) {
    sentOffset = offset;
    const updates = await poll(api, options.key, offset, POLL_SECONDS, options.signal, options.log);
    let ok = updates !== null;
    if (updates !== null) {
      for (const update of updates) {
        ok = await forward(update, options, key);
        if (!ok) break;
        offset = update.updateId + 1;
      }
    }
    if (ok) {
      failures = 0;
    } else if (!options.signal.aborted) {
      const wait = BACKOFF_MS[Math.min(++failures, BACKOFF_MS.length) - 1];
      options.log(`${clock()}  retrying in ${wait / 1000} s`);
      await sleep(wait, options.signal);
    }
  }
  // Stopped in the middle of a batch: what the runtime took is confirmed now, not forwarded again next time.
  if (offset !== sentOffset) await poll(api, options.key, offset, 0, AbortSignal.timeout(FINAL_CONFIRM_MS), options.log, 1);
}

/** One `GET /v1/updates`; null when it failed in a way worth retrying. */
async function poll(api: string, key: string, offset: number | undefined, timeout: number, signal: AbortSignal, log: ListenOptions['log'], limit = LIMIT): Promise<Update[] | null> {
  const query = new URLSearchParams({ timeout: String(timeout), limit: String(limit) });
  if (offset !== undefined) query.set('offset', String(offset));
  let response: Response;
  let text: string;
  try {
    response = await fetch(`${api}/v1/updates?${query}`, { headers: { authorization: `Bearer ${key}`, 'user-agent': USER_AGENT }, signal });
    text = await response.text();
  } catch (error) {
    // Stopping aborts the long poll; that is no failure worth a line.
    if (!signal.aborted) log(`${clock()}  GET /v1/updates  ${describe(error)}`);
    return null;
  }
  if (response.ok) return readUpdates(text);
  const message = `${clock()}  GET /v1/updates  ${response.status}  ${errorMessage(text)}`;
  if (response.status === 429 || response.status >= 500) {
    log(message);
    return null;
  }
  throw new ListenError(message);
}

/** Posts one update to the runtime; true when it answered 2xx. Prints the call's line either way. */
async function forward(update: Update, options: ListenOptions, key: Buffer): Promise<boolean> {
  const started = performance.now();
  let status: string;
  let ok = false;
  try {
    const response = await fetch(options.forwardTo, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': USER_AGENT, ...signatureHeaders(key, update.invocationId, update.body) },
      body: update.body,
      // A redirect is not an answer: push delivery does not follow one either.
      redirect: 'manual',
      signal: AbortSignal.any([options.signal, AbortSignal.timeout(FORWARD_TIMEOUT_MS)]),
    });
    await response.arrayBuffer();
    ok = response.status >= 200 && response.status < 300;
    status = String(response.status);
  } catch (error) {
    status = options.signal.aborted ? 'stopped' : describe(error);
  }
  options.log(`${clock()}  ${update.command}  ${status}  ${Math.round(performance.now() - started)} ms  ${update.invocationId}`);
  return ok;
}

export function signingKey(secret: string): Buffer {
  const key = secret.startsWith('whsec_') ? secretKey(secret) : Buffer.alloc(0);
  if (key.length === 0) throw new ListenError('the signing secret must be the bot\'s signingSecret, "whsec_" followed by base64');
  return key;
}

function readUpdates(text: string): Update[] {
  const parsed = JSON.parse(text) as { updateId: number; invocation: { invocationId: string; command: string } }[];
  const bodies = memberTexts(text, 'invocation');
  return parsed.map((update, i) => ({ updateId: update.updateId, invocationId: update.invocation.invocationId, command: update.invocation.command, body: bodies[i] }));
}

/**
 * The raw text of one member of each object in a JSON array, for text already known to be valid JSON
 * (JSON.parse read it first): parsing and re-serializing could change the bytes (`1.0`, `\u00e9`), and
 * the runtime verifies a signature over them.
 */
export function memberTexts(text: string, name: string): string[] {
  const texts: string[] = [];
  let i = space(text, space(text, 0) + 1);
  while (text[i] === '{') {
    let found = '';
    i = space(text, i + 1);
    while (text[i] === '"') {
      const keyEnd = stringEnd(text, i);
      const start = space(text, space(text, keyEnd) + 1);
      const end = valueEnd(text, start);
      if (JSON.parse(text.slice(i, keyEnd)) === name) found = text.slice(start, end);
      i = space(text, end);
      if (text[i] === ',') i = space(text, i + 1);
    }
    texts.push(found);
    i = space(text, i + 1);
    if (text[i] === ',') i = space(text, i + 1);
  }
  return texts;
}

function space(text: string, i: number): number {
  while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  return i;
}

function stringEnd(text: string, i: number): number {
  let j = i + 1;
  while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
  return j + 1;
}

function valueEnd(text: string, i: number): number {
  if (text[i] === '"') return stringEnd(text, i);
  if (text[i] !== '{' && text[i] !== '[') {
    let j = i;
    while (j < text.length && !',}] \t\n\r'.includes(text[j])) j++;
    return j;
  }
  let depth = 0;
  for (let j = i; ; j++) {
    if (text[j] === '"') j = stringEnd(text, j) - 1;
    else if (text[j] === '{' || text[j] === '[') depth++;
    else if ((text[j] === '}' || text[j] === ']') && --depth === 0) return j + 1;
  }
}

function errorMessage(text: string): string {
  try {
    return (JSON.parse(text) as { status?: { message?: string } }).status?.message ?? text;
  } catch {
    return text;
  }
}

function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (error instanceof Error && error.name === 'TimeoutError') return 'timeout';
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}

/** Local wall-clock time, as a developer reads it next to their runtime's own log. */
function clock(): string {
  const now = new Date();
  return [now.getHours(), now.getMinutes(), now.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}
