import type { Pool } from 'pg';

/**
 * Every row of every table in the public schema, as text: what a pg_dump would show. Partitioned tables
 * are read through their parents. Another file's retention run may drop a day between the listing and
 * its read (a day it has detached is a table of its own until then): a table gone meanwhile holds nothing.
 */
export async function dumpDatabase(db: Pool): Promise<{ tables: string[]; text: string }> {
  const listed = await db.query<{ relname: string }>(
    `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition`,
  );
  const tables = listed.rows.map((row) => row.relname);
  const parts: string[] = [];
  for (const table of tables) {
    try {
      const { rows } = await db.query<{ row: string }>(`SELECT row_to_json(t)::text AS row FROM "${table}" t`);
      parts.push(...rows.map((row) => row.row));
    } catch (error) {
      if ((error as { code?: string }).code !== '42P01') throw error;
    }
  }
  return { tables, text: parts.join('\n') };
}
