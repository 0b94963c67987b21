/** How many names a preflight's access-control-allow-headers echoes back at most. */
export const MAX_ALLOWED_HEADERS = 20;
/** RFC 9110's token, the only form a header name can take; anything else is not echoed into a header. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;

/** What access-control-allow-origin says to this caller, or null when its page may not read the answer. */
export function allowedOrigin(cors: string[] | null, origin: string | string[] | undefined): string | null {
  if (cors === null || typeof origin !== 'string') return null;
  if (cors[0] === '*') return '*';
  return cors.includes(origin) ? origin : null;
}

/**
 * The header names a preflight asked for, lowercased and deduplicated, as access-control-allow-headers;
 * null when it asked for none. Echoing is enough: the URL's signature, not a header, is the credential.
 */
export function allowedHeaders(requested: string | string[] | undefined): string | null {
  if (typeof requested !== 'string') return null;
  const names = new Set<string>();
  for (const part of requested.split(',')) {
    if (names.size === MAX_ALLOWED_HEADERS) break;
    const name = part.trim().toLowerCase();
    if (TOKEN.test(name)) names.add(name);
  }
  return names.size === 0 ? null : [...names].join(', ');
}
