import type { FieldError } from '../common/errors';

/** RFC 9110 `token`: what an HTTP field name may be made of. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const MAX_ENTRIES = 10;
const MAX_NAME = 256;
const MAX_VALUE = 1024;

/**
 * Headers bothooks sets itself or that would change how the request is framed or routed; letting a
 * connection set them would break the body, the signature or the transport.
 */
const RESERVED = new Set(['host', 'content-length', 'content-type', 'transfer-encoding', 'connection']);

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
  if (names.length < 1 || names.length > MAX_ENTRIES) {
    problems.push({ path: 'headers', message: `headers must have 1 to ${MAX_ENTRIES} entries` });
  }
  const seen = new Map<string, string>();
  for (const name of names) {
    const path = `headers.${name}`;
    const lower = name.toLowerCase();
    const value = (headers as Record<string, unknown>)[name];
    if (name.length > MAX_NAME || !TOKEN.test(name)) {
      problems.push({ path, message: `header names must be HTTP tokens of 1 to ${MAX_NAME} characters` });
    } else if (RESERVED.has(lower) || lower.startsWith('webhook-')) {
      problems.push({ path, message: `${name} is set by bothooks and cannot be overridden` });
    } else if (hasAuth && lower === 'authorization') {
      problems.push({ path, message: 'authorization cannot be set together with auth' });
    } else if (seen.has(lower)) {
      problems.push({ path, message: `duplicates ${seen.get(lower)}: header names are case-insensitive` });
    }
    seen.set(lower, seen.get(lower) ?? name);
    if (typeof value !== 'string') {
      problems.push({ path, message: 'header values must be strings' });
    } else if (value.length > MAX_VALUE) {
      problems.push({ path, message: `header values must be at most ${MAX_VALUE} characters` });
    } else if (hasControlCharacter(value)) {
      problems.push({ path, message: 'header values must not contain CR, LF or other control characters' });
    }
  }
  return problems;
}

/** CR and LF would split the header; other control characters (tab aside) are refused on the wire anyway. */
function hasControlCharacter(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if ((code < 0x20 && code !== 0x09) || code === 0x7f) return true;
  }
  return false;
}
