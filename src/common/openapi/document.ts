import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { OperationObject, ParameterObject, ResponseObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { API_KEY_SCHEME } from '../../auth/auth.decorator';
import { replyComponents } from '../../responses/response.schema';
import { receiveOpenApiPaths } from '../../webhooks/receive/receive.route';
import { docsOpenApiPaths } from './docs-paths';
import { ERROR_ENVELOPE, envelopeSchemas, schemaRef, untypeAnyJson } from './envelopes';

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** What an error status means when the route's own decorators say nothing more precise. */
const ERROR_DESCRIPTIONS: Record<string, string> = {
  '400': 'Bad input: a malformed id, query or body (validation_failed, with `errors` by path)',
  '401': 'Missing, malformed, unknown or revoked API key',
  '403': 'A bot key cannot call this route',
  '404': 'No such resource, or one of another bot',
  '413': 'The body is over 1 MiB',
  '415': 'The body is not application/json',
  '429': 'Too many failed authentications from this IP (rate_limited); see Retry-After',
  '503': 'The database is unavailable (database_unavailable); see Retry-After',
};

const RETRY_AFTER = { 'retry-after': { description: 'Seconds to wait before trying again', schema: { type: 'integer' } } };

/**
 * The OpenAPI document of every route, built the same way for `/docs-json` and for the file a client is
 * generated from (src/openapi.ts), so the two cannot differ but for `servers`.
 */
export function buildOpenApiDocument(app: INestApplication, publicUrl: string): OpenAPIObject {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('bothooks')
      .setDescription('Webhook gateway for chatbots: signed webhook URLs, chatbot.com-compatible connections, bot response validation.')
      .setVersion(require('../../../package.json').version)
      .setLicense('MIT', 'https://opensource.org/licenses/MIT')
      .addServer(publicUrl)
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'bh_admin_… or bh_bot_… API key' }, API_KEY_SCHEME)
      .build(),
  );
  Object.assign(document.paths, receiveOpenApiPaths, docsOpenApiPaths);
  const schemas = { ...document.components?.schemas, ...envelopeSchemas, ...replyComponents };
  untypeAnyJson(schemas);
  document.components = { ...document.components, schemas };
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (operation) describeErrors(operation, path);
    }
  }
  return document;
}

/**
 * Adds the errors every route of a kind can give (an authenticated route's 401, a JSON body's 413 and
 * 415, an id's 400 and 404) and types every error answer as the one envelope.
 */
function describeErrors(operation: OperationObject, path: string): void {
  const statuses = new Set<string>();
  const parameters = (operation.parameters ?? []) as ParameterObject[];
  if (operation.security?.some((requirement) => API_KEY_SCHEME in requirement)) ['401', '429', '503'].forEach((s) => statuses.add(s));
  if (parameters.some((p) => p.in === 'query')) statuses.add('400');
  if (parameters.some((p) => p.in === 'path' && p.schema && 'pattern' in p.schema)) ['400', '404'].forEach((s) => statuses.add(s));
  if (parameters.some((p) => p.name === 'botId')) statuses.add('404');
  const body = operation.requestBody;
  if (body && 'content' in body && body.content['application/json'] && !path.startsWith('/w/')) ['400', '413', '415'].forEach((s) => statuses.add(s));
  for (const status of statuses) operation.responses[status] ??= { description: ERROR_DESCRIPTIONS[status] };
  for (const [status, response] of Object.entries(operation.responses)) {
    if (Number(status) < 400 || !response || '$ref' in response) continue;
    const answer = response as ResponseObject;
    answer.content = { 'application/json': { schema: schemaRef(ERROR_ENVELOPE) } };
    if (status === '429' || status === '503') answer.headers = { ...RETRY_AFTER, ...answer.headers };
  }
}
