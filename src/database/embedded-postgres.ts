import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { WireServer } from './wire-server';

/**
 * Postgres for a machine that has none: PGlite keeps its files in DATA_DIR and is served over the
 * wire protocol on a loopback port, so the app talks to it through the same `pg` driver it uses for a
 * real server. PGlite is a single session; the wire server shares it among a small pool.
 */
export class EmbeddedPostgres {
  private constructor(
    private readonly db: PGlite,
    private readonly server: WireServer,
    private readonly lockFile: string,
    readonly url: string,
  ) {}

  static async start(dataDir: string, maxConnections = 8): Promise<EmbeddedPostgres> {
    const root = resolve(dataDir);
    mkdirSync(root, { recursive: true });
    const lockFile = join(root, 'postgres.pid');
    claimLock(lockFile);
    try {
      const db = await PGlite.create(join(root, 'pgdata'));
      const server = new WireServer(db, maxConnections);
      const address = await server.listen();
      return new EmbeddedPostgres(db, server, lockFile, `postgres://postgres@${address}/postgres`);
    } catch (error) {
      rmSync(lockFile, { force: true });
      throw error;
    }
  }

  async stop(): Promise<void> {
    await this.server.close();
    await this.db.close();
    rmSync(this.lockFile, { force: true });
  }
}

/** PGlite's files must only ever be opened by one process; a second opener would corrupt them. */
function claimLock(lockFile: string): void {
  try {
    const pid = Number(readFileSync(lockFile, 'utf8'));
    if (pid && pid !== process.pid && isAlive(pid)) {
      throw new Error(`the embedded database in ${lockFile.replace(/postgres\.pid$/, '')} is in use by process ${pid}; stop it first`);
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  writeFileSync(lockFile, String(process.pid));
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
