/** `scheme://authority` at the start of an absolute-form request target (RFC 9112 §3.2.2). */
const ABSOLUTE_FORM = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i;
const MAX_DECODE_ROUNDS = 3;

/**
 * The origin form of a request target: a proxy-style `GET http://host/w/…` is the same request as
 * `GET /w/…` (a server must accept both), so the authority is dropped before anything routes on it.
 */
export function originForm(target: string): string {
  if (target.startsWith('/')) return target;
  const authority = ABSOLUTE_FORM.exec(target);
  if (!authority) return target;
  const rest = target.slice(authority[0].length);
  return rest.startsWith('/') ? rest : `/${rest}`;
}

/**
 * The path as a lenient reader would take it: no query, percent-escapes decoded (a few rounds, so that an
 * escaped escape does not hide anything), repeated slashes collapsed, lower case. Only for deciding what a
 * request is about (what to keep out of a log), never for routing.
 */
export function normalisedPath(target: string): string {
  let path = originForm(target);
  const query = path.search(/[?#]/);
  if (query !== -1) path = path.slice(0, query);
  for (let round = 0; round < MAX_DECODE_ROUNDS && path.includes('%'); round++) {
    const decoded = decodeEscapes(path);
    if (decoded === path) break;
    path = decoded;
  }
  return path.replace(/[/\\]+/g, '/').toLowerCase();
}

function decodeEscapes(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    // A stray `%` must not leave the rest of the path undecoded.
    return path.replace(/%[0-9a-f]{2}/gi, (escape) => String.fromCharCode(parseInt(escape.slice(1), 16)));
  }
}
