import { createHash, randomUUID } from 'node:crypto';

/**
 * A UUIDv7: 48 bits of milliseconds, then randomness. Invocation ids sort by arrival, so the primary key
 * doubles as the newest-first order and new rows land at the end of the index. Built on randomUUID(),
 * whose entropy is pooled, because this runs once per webhook call.
 */
export function uuidv7(now: number): string {
  const time = now.toString(16).padStart(12, '0');
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${randomUUID().slice(15)}`;
}

/**
 * The same UUID for the same (name, n) every time (version 8, from SHA-256), so that a job scheduled twice
 * for the same delivery attempt is inserted once.
 */
export function derivedUuid(name: string, n: number): string {
  const hex = createHash('sha256').update(`${name}:${n}`).digest('hex');
  const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
