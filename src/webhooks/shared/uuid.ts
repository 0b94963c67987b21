import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The same UUID for the same (name, n) every time (version 8, from SHA-256), so that a job scheduled twice
 * for the same delivery attempt is inserted once.
 */
export function derivedUuid(name: string, n: number): string {
  const hex = createHash('sha256').update(`${name}:${n}`).digest('hex');
  const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

const RANDOM_BYTES = 10;
const MAC_BYTES = 6;

/**
 * A webhook id that tells which bot it was issued for without being stored (§3.1): a version 8 UUID whose
 * first 10 bytes are random (74 bits, less the version and variant) and whose last 6 are a truncated
 * HMAC-SHA256 of (bot id ‖ those bytes) under a server key.
 */
export function botBoundUuid(key: Buffer, botId: string): string {
  const random = randomBytes(RANDOM_BYTES);
  random[6] = (random[6] & 0x0f) | 0x80;
  random[8] = (random[8] & 0x3f) | 0x80;
  const hex = Buffer.concat([random, boundMac(key, botId, random)]).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Whether `id` (a lower-case UUID) was made by botBoundUuid for this bot. */
export function isBoundTo(key: Buffer, id: string, botId: string): boolean {
  if (uuidVersion(id) !== 8) return false;
  const bytes = Buffer.from(id.replaceAll('-', ''), 'hex');
  return timingSafeEqual(bytes.subarray(RANDOM_BYTES), boundMac(key, botId, bytes.subarray(0, RANDOM_BYTES)));
}

/** The version digit of a well-formed UUID. */
export function uuidVersion(id: string): number {
  return parseInt(id[14], 16);
}

function boundMac(key: Buffer, botId: string, random: Buffer): Buffer {
  return createHmac('sha256', key).update(botId).update(random).digest().subarray(0, MAC_BYTES);
}
