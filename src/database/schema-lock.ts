import type { Pool } from 'pg';

/** Any constant of our own: instances that boot together queue on it, whichever database they share. */
const SCHEMA_LOCK = 0x6268_6f6f;

/**
 * Runs `change` while holding a session advisory lock on one connection of the pool, so that instances
 * booting together on an empty database set up the schema one after the other: the first does the work,
 * the others find it done. Postgres releases the lock by itself should the holder die.
 */
export async function underSchemaLock<T>(pool: Pool, change: () => Promise<T>): Promise<T> {
  const holder = await pool.connect();
  let broken = false;
  try {
    await holder.query('SELECT pg_advisory_lock($1)', [SCHEMA_LOCK]);
    try {
      return await change();
    } finally {
      await holder.query('SELECT pg_advisory_unlock($1)', [SCHEMA_LOCK]).catch(() => {
        broken = true;
      });
    }
  } catch (error) {
    broken = true;
    throw error;
  } finally {
    // A connection whose unlock failed may still hold the lock: it is closed, not pooled.
    holder.release(broken);
  }
}
