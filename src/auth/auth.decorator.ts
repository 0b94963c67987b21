import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse, DECORATORS } from '@nestjs/swagger';

export type Access = 'public' | 'any' | 'admin';
export const ACCESS_KEY = 'bothooks:access';
export const API_KEY_SCHEME = 'api-key';

/**
 * Who may call a route, and the matching OpenAPI security entry, from one place.
 * Routes without it are admin-only, so forgetting the decorator never opens a route.
 */
export function Authenticated(options: { adminOnly?: boolean } = {}): MethodDecorator & ClassDecorator {
  const access: Access = options.adminOnly ? 'admin' : 'any';
  const decorators = [
    SetMetadata(ACCESS_KEY, access),
    ApiBearerAuth(API_KEY_SCHEME),
    ApiUnauthorizedResponse({ description: 'missing, malformed, unknown or revoked API key' }),
  ];
  if (options.adminOnly) decorators.push(ApiForbiddenResponse({ description: 'a bot key cannot call this route' }));
  return applyDecorators(...decorators);
}

/** No API key: the route is open (issued webhook URLs, health, metrics, docs); `security: []` says so in the document. */
export function Public(): MethodDecorator & ClassDecorator {
  return applyDecorators(SetMetadata(ACCESS_KEY, 'public' as Access), SetMetadata(DECORATORS.API_SECURITY, []));
}
