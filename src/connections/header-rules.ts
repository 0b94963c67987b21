import type { FieldError } from '../common/errors';

/** RFC 9110 `token`: what an HTTP field name may be made of. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
export const MAX_HEADERS = 10;
export const MAX_HEADER_NAME = 256;
export const MAX_HEADER_VALUE = 1024;

/**
 * Headers bothooks sets itself or that would change how the request is framed or routed (hop-by-hop
 * headers, which undici refuses to send, included); letting a connection set them would break the body,
 * the signature or the transport, and every dispatch would fail before it left.
 */
const RESERVED = new Set(['host', 'content-length', 'content-type', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'expect', 'te', 'trailer']);
const RESERVED_PREFIXES = ['webhook-', 'proxy-'];
/** RFC 9110 field values as bothooks sends them: visible ASCII, space and tab; anything else cannot go on the wire as it was saved. */
const SENDABLE_VALUE = /^[\t\x20-\x7e]*$/;

/**
 * Every problem with a connection's custom headers, each at `headers.<name>` (contract §4.1). Names are
 * compared case-insensitively, as HTTP does, so `Host`, `WEBHOOK-ID` and a second `x-a` beside `X-A` are
 * all refused. `authorization` is refused only when the connection sets Basic `auth`, which would clash.
 */
export function headerProblems(headers: unknown, hasAuth: boolean): FieldError[] {
  if (headers === undefined || headers === null) return [];
  if (typeof headers !== 'object' || Array.isArray(headers)) return [{ path: 'headers', message: 'headers must be an object of header name to value' }];
  const names = Object.keys(headers);
  const problems: FieldError[] = [];
  if (names.length < 1 || names.length > MAX_HEADERS) {
    problems.push({ path: 'headers', message: `headers must have 1 to ${MAX_HEADERS} entries` });
  }
  const seen = new Map<string, string>();
  for (const name of names) {
    const path = `headers.${name}`;
    const lower = name.toLowerCase();
    const value = (headers as Record<string, unknown>)[name];
    if (name.length > MAX_HEADER_NAME || !TOKEN.test(name)) {
      problems.push({ path, message: `header names must be HTTP tokens of 1 to ${MAX_HEADER_NAME} characters` });
    } else if (RESERVED.has(lower) || RESERVED_PREFIXES.some((prefix) => lower.startsWith(prefix))) {
      problems.push({ path, message: `${name} is set by bothooks and cannot be overridden` });
    } else if (hasAuth && lower === 'authorization') {
      problems.push({ path, message: 'authorization cannot be set together with auth' });
    } else if (seen.has(lower)) {
      problems.push({ path, message: `duplicates ${seen.get(lower)}: header names are case-insensitive` });
    }
    seen.set(lower, seen.get(lower) ?? name);
    if (typeof value !== 'string') {
      problems.push({ path, message: 'header values must be strings' });
    } else if (value.length > MAX_HEADER_VALUE) {
      problems.push({ path, message: `header values must be at most ${MAX_HEADER_VALUE} characters` });
    } else if (!SENDABLE_VALUE.test(value)) {
      problems.push({ path, message: sendableMessage(value) });
    }
  }
  return problems;
}

/** Control characters get their own word: CR and LF are how a header injection is tried. */
function sendableMessage(value: string): string {
  return hasControlCharacter(value) ? 'header values must not contain CR, LF or other control characters' : 'header values must be visible ASCII, spaces and tabs';
}

function hasControlCharacter(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if ((code < 0x20 && code !== 0x09) || code === 0x7f) return true;
  }
  return false;
}
