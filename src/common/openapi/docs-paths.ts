import type { OpenAPIObject } from '@nestjs/swagger';

/** The document's own routes, served by SwaggerModule rather than a controller, so listed by hand. */
export const docsOpenApiPaths: OpenAPIObject['paths'] = {
  '/docs': {
    get: {
      operationId: 'getDocs',
      summary: 'Swagger UI',
      tags: ['operations'],
      security: [],
      responses: { '200': { description: 'The Swagger UI page', content: { 'text/html': { schema: { type: 'string' } } } } },
    },
  },
  '/docs-json': {
    get: {
      operationId: 'getOpenApiDocument',
      summary: 'This OpenAPI document',
      tags: ['operations'],
      security: [],
      responses: { '200': { description: 'The OpenAPI 3 document of every route', content: { 'application/json': { schema: { type: 'object' } } } } },
    },
  },
};
