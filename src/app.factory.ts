import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import express, { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { AppModule } from './app.module';
import { API_KEY_SCHEME } from './auth/auth.decorator';
import { errorEnvelope } from './common/errors';
import { createLogger, NestPinoLogger, requestLogger } from './common/logger';
import { Configuration, readConfiguration } from './config/configuration';
import { receiveIssuedUrls, receiveOpenApiPaths } from './webhooks/receive.route';
import { ReceiveService } from './webhooks/receive.service';

export const WEBHOOK_PATH_PREFIX = '/w/';
const JSON_BODY_LIMIT = '1mb';
const JSON_TYPES = ['application/json', 'application/*+json'];

export interface CreatedApp {
  app: NestExpressApplication;
  config: Configuration;
  logger: Logger;
}

/**
 * Builds the app exactly as production runs it: the e2e tests call this too. Body parsing is ours:
 * JSON for the API, raw bytes of any type for issued webhook URLs, which are then answered ahead of
 * Nest's router (see receive.route.ts).
 */
export async function createApp(env: Record<string, string | undefined> = process.env): Promise<CreatedApp> {
  const config = readConfiguration(env);
  const logger = createLogger(config.app.logLevel);
  const app = await NestFactory.create<NestExpressApplication>(AppModule, { bodyParser: false, logger: new NestPinoLogger(logger), abortOnError: false });
  app.set('trust proxy', config.app.trustProxy);
  app.disable('x-powered-by');
  app.use(requestLogger(logger));
  app.use(bodyParsers(config));
  app.use(receiveIssuedUrls(app.get(ReceiveService)));

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('bothooks')
      .setDescription('Webhook gateway for chatbots: signed webhook URLs, chatbot.com-compatible connections, bot response validation.')
      .setVersion(require('../package.json').version)
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'bh_admin_… or bh_bot_… API key' }, API_KEY_SCHEME)
      .build(),
  );
  Object.assign(document.paths, receiveOpenApiPaths);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  await app.init();
  return { app, config, logger };
}

function bodyParsers(config: Configuration) {
  const json = express.json({ limit: JSON_BODY_LIMIT, strict: true, type: JSON_TYPES });
  const raw = express.raw({ type: () => true, limit: config.webhooks.maxBodyBytes });
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.path.startsWith(WEBHOOK_PATH_PREFIX)) return raw(req, res, next);
    if (hasBody(req) && !req.is(JSON_TYPES)) {
      res.status(415).json(errorEnvelope('unsupported_media_type', 'request body must be application/json'));
      return;
    }
    return json(req, res, next);
  };
}

function hasBody(req: Request): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}
