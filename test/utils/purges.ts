import type { Pool } from 'pg';

/** Waits for the row a background purge writes when it is done; the deadline only turns a hang into a failure. */
export async function purged(db: Pool, kind: 'bot' | 'connection', id: string): Promise<void> {
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 25))) {
    const { rows } = await db.query(`SELECT 1 FROM purges WHERE kind = $1 AND target_id = $2 AND finished_at IS NOT NULL`, [kind, id]);
    if (rows.length > 0) return;
  }
  throw new Error(`purge of ${kind} ${id} did not finish`);
}
