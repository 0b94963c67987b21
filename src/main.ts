import { Server } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import pino, { Logger } from 'pino';
import { createApp } from './app.factory';
import { isDatabaseUnavailable } from './common/database-errors';
import { ConfigError } from './config/env';

const SHUTDOWN_GRACE_MS = 25_000;
/** How long a connection may sit idle during the shutdown: long enough for a request already sent to arrive. */
const IDLE_CLOSE_MS = 250;

// V8 lets the old generation grow to about four times what survived the last full collection before it
// collects again. Under load HTTP request objects are promoted quickly, so most of that growth was garbage
// held as RSS. Twice instead of four times keeps a busy instance's memory close to what it really uses, at
// the cost of more frequent full collections with short pauses (the README's performance section).
setFlagsFromString('--heap-growing-percent=100');

async function main(): Promise<void> {
  let created;
  try {
    created = await createApp(process.env);
  } catch (error) {
    // A configuration problem is the operator's to fix: say what, without a stack trace.
    process.stderr.write(error instanceof ConfigError ? `bothooks: ${error.message}\n` : `bothooks: failed to start: ${(error as Error).stack ?? error}\n`);
    process.exit(1);
  }
  const { app, config, logger } = created;
  // A database outage must not end the process. pg-boss 10 does not wait on the queries that complete or
  // fail a job after its handler ran, so while Postgres is away they reject with nobody to catch them.
  // Any other unhandled rejection is a bug and ends the process, as Node would.
  process.on('unhandledRejection', (reason) => {
    if (isDatabaseUnavailable(reason)) {
      logger.warn(`database unavailable in the background: ${(reason as Error).message}`);
      return;
    }
    logger.fatal({ err: reason }, 'unhandled promise rejection');
    flushAndExit(logger, 1);
  });
  await app.listen(config.app.port);
  logger.info({ port: config.app.port, publicUrl: config.app.publicUrl }, 'bothooks is listening');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing requests in flight');
    const force = setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      flushAndExit(logger, 1);
    }, SHUTDOWN_GRACE_MS);
    force.unref();
    // Stop taking connections and let the requests in flight finish before the database goes away. The
    // HTTP server's own close() would also drop at once every connection without a request in hand, among
    // them those a proxy has just opened for a request still on its way; they are closed once idle instead.
    const server = app.getHttpServer();
    const closed = new Promise<void>((resolve) => Server.prototype.close.call(server, () => resolve()));
    const idle = setInterval(() => server.closeIdleConnections(), IDLE_CLOSE_MS);
    await closed;
    clearInterval(idle);
    await app.close();
    logger.info('stopped');
    flushAndExit(logger, 0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

/** Log lines are written asynchronously; write out what is buffered before the process ends. */
function flushAndExit(logger: Logger, code: number): never {
  try {
    (logger as unknown as Record<symbol, { flushSync?: () => void }>)[pino.symbols.streamSym]?.flushSync?.();
  } catch {
    // Nothing buffered, or stdout is already gone: nothing left to save.
  }
  process.exit(code);
}

void main();
