/** The contract's limit for every JSON body (§0); deeper input overflows recursive code downstream. */
export const MAX_JSON_DEPTH = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPENERS = new Set([0x5b, 0x7b]);
const CLOSERS = new Set([0x5d, 0x7d]);

/**
 * True when JSON text (UTF-8 bytes) nests arrays and objects deeper than `max`. One pass over the bytes,
 * no recursion and no parse, so the check costs nothing like what it guards against. UTF-8 never puts an
 * ASCII byte inside a multi-byte character, so brackets and quotes are seen exactly where JSON sees them.
 */
export function nestedDeeperThan(json: Uint8Array, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const byte = json[i];
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) {
      inString = true;
    } else if (OPENERS.has(byte)) {
      if (++depth > max) return true;
    } else if (CLOSERS.has(byte)) {
      depth--;
    }
  }
  return false;
}
