import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * With the embedded database and no ENCRYPTION_KEY, the key lives beside the data it protects, so a
 * quick start needs no setup and a restart can still read its secrets.
 */
export function loadOrCreateKeyFile(dataDir: string): Buffer {
  const root = resolve(dataDir);
  const file = join(root, 'encryption.key');
  if (existsSync(file)) {
    const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
    if (key.length !== 32) throw new Error(`${file} does not hold a 32-byte base64 key`);
    return key;
  }
  mkdirSync(root, { recursive: true });
  const key = randomBytes(32);
  writeFileSync(file, key.toString('base64') + '\n', { mode: 0o600 });
  return key;
}
