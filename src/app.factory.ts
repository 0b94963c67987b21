import 'reflect-metadata';
import { resolve } from 'node:path';
import type { NestApplicationOptions } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import express, { NextFunction, Request, Response } from 'express';
import type { DestinationStream, Logger } from 'pino';
import { AppModule } from './app.module';
import type { AuthenticatedRequest } from './auth/principal';
import { RequestAuthenticator } from './auth/request-authenticator';
import { ErrorFilter } from './common/error.filter';
import { AppError } from './common/errors';
import { BoundedExpressAdapter } from './common/http-server';
import { buildOpenApiDocument } from './common/openapi/document';
import { MAX_JSON_DEPTH, nestedDeeperThan } from './common/json-depth';
import { createLogger, NestPinoLogger, requestLogger } from './common/logger';
import { WEBHOOK_PATH } from './common/webhook-path';
import { Configuration, readConfiguration } from './config/configuration';
import { isDispatch, serveDispatch } from './connections/dispatch.route';
import { DispatchService } from './connections/dispatch.service';
import { serveIssuedUrls } from './webhooks/receive/receive.route';
import { ReceiveService } from './webhooks/receive/receive.service';
import { serveConsole } from './web-console/web-console.route';

const JSON_BODY_LIMIT = '1mb';
const JSON_TYPES = ['application/json', 'application/*+json'];
const API_PATH = /^\/v\d+\//;
/** Express's own content-type check, borrowed: the routes served ahead of the router have no Express prototypes. */
const expressIs = express.request.is;

export interface CreatedApp {
  app: NestExpressApplication;
  config: Configuration;
  logger: Logger;
}

export interface AppOptions {
  /** Where the JSON log lines go; stdout unless a caller wants to read them. */
  logDestination?: DestinationStream;
}

/**
 * Reads the configuration once, from the environment given (main() passes the process environment), and builds the
 * app on it exactly as production runs it.
 */
export async function createApp(env: Record<string, string | undefined>, options: AppOptions = {}): Promise<CreatedApp> {
  const config = readConfiguration(env);
  const logger = createLogger(config.app.logLevel, options.logDestination);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), new BoundedExpressAdapter(config.http), applicationOptions(logger));
  await configureApp(app, config, logger);
  return { app, config, logger };
}

/** What Nest is told when the application is created, by createApp and by the e2e tests' testing module. */
export function applicationOptions(logger: Logger): NestApplicationOptions {
  return { bodyParser: false, logger: new NestPinoLogger(logger), abortOnError: false };
}

/**
 * Everything around Nest's router, shared by createApp and the e2e tests so that they test what production
 * runs. Body parsing is ours: JSON for the API, judged on its key before a byte of the body is read, and raw
 * bytes of any type for issued webhook URLs. Issued URLs and dispatches are answered ahead of Express's
 * router after the same middlewares (see receive.route.ts and dispatch.route.ts).
 */
export async function configureApp(app: NestExpressApplication, config: Configuration, logger: Logger): Promise<void> {
  app.set('trust proxy', config.app.trustProxy);
  app.disable('x-powered-by');
  const everyRequest = [requestLogger(logger), standardHeaders, bodyParsers(config, app.get(RequestAuthenticator))];
  const [logRequest, setHeaders, parseBody] = everyRequest;
  app.use(logRequest);
  app.use(setHeaders);
  // Ahead of the body parsers: the console's files are public and take no body.
  app.use(serveConsole(resolve(config.console.dir)));
  app.use(parseBody);
  const adapter = app.getHttpAdapter() as BoundedExpressAdapter;
  const filter = new ErrorFilter();
  adapter.serveAhead((req) => req.url!.startsWith(WEBHOOK_PATH), serveIssuedUrls(adapter, everyRequest, app.get(ReceiveService), filter));
  adapter.serveAhead(isDispatch, serveDispatch(adapter, everyRequest, app.get(RequestAuthenticator), app.get(DispatchService), filter));

  // Built on the first request for it, not at every start: most starts never serve it.
  SwaggerModule.setup('docs', app, () => buildOpenApiDocument(app, config.app.publicUrl), { jsonDocumentUrl: 'docs-json' });
  await app.init();
}

/** §0: on every answer; API answers show keys and secrets, so no cache may keep them. */
function standardHeaders(req: Request, res: Response, next: NextFunction): void {
  res.setHeader('x-content-type-options', 'nosniff');
  if (API_PATH.test(req.path)) res.setHeader('cache-control', 'no-store');
  next();
}

function bodyParsers(config: Configuration, authenticator: RequestAuthenticator) {
  const json = express.json({ limit: JSON_BODY_LIMIT, strict: true, type: JSON_TYPES, verify: refuseDeepJson });
  const raw = express.raw({ type: () => true, limit: config.webhooks.maxBodyBytes });
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.path.startsWith(WEBHOOK_PATH)) return raw(req, res, next);
    if (!hasBody(req)) return json(req, res, next);
    // Only issued URLs take a body without a key: anyone else is judged before the body costs anything.
    authenticator.authenticate(req as AuthenticatedRequest).then(() => {
      if (!expressIs.call(req, JSON_TYPES)) return next(new AppError('unsupported_media_type', 'request body must be application/json'));
      json(req, res, next);
    }, next);
  };
}

/** Runs on the raw bytes before they are parsed, so no handler ever sees a body past the limit. */
function refuseDeepJson(_req: unknown, _res: unknown, body: Buffer, encoding: string): void {
  const utf8 = /^utf-?8$/i.test(encoding) ? body : Buffer.from(body.toString(encoding as BufferEncoding), 'utf8');
  if (nestedDeeperThan(utf8, MAX_JSON_DEPTH)) throw new AppError('bad_request', `request body is nested more than ${MAX_JSON_DEPTH} levels deep`);
}

function hasBody(req: Request): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}
