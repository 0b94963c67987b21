import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { AppError } from '../common/errors';

export type Principal = { kind: 'admin'; keyId: string } | { kind: 'bot'; keyId: string; botId: string };

export interface AuthenticatedRequest extends Request {
  principal?: Principal;
}

/** The caller behind the API key of this request (set by the global guard). */
export const CurrentPrincipal = createParamDecorator((_data: unknown, ctx: ExecutionContext): Principal | undefined => {
  return ctx.switchToHttp().getRequest<AuthenticatedRequest>().principal;
});

/**
 * Which bot a call may act on: a bot key only on its own bot, whose absence from the request is fine;
 * an admin key on the bot it names. Another bot's resources are "not found", never "forbidden", so a
 * bot key cannot learn what exists.
 */
export function botIdFor(principal: Principal, requested: string | undefined, what = 'bot'): string {
  if (principal.kind === 'bot') {
    if (requested !== undefined && requested !== principal.botId) throw new AppError('not_found', `${what} ${requested} not found`);
    return principal.botId;
  }
  if (requested === undefined) {
    throw new AppError('bad_request', 'request validation failed', { errors: [{ path: 'botId', message: 'botId is required with an admin key' }] });
  }
  return requested;
}

/** True when the principal may see things that belong to this bot. */
export function canSeeBot(principal: Principal, botId: string): boolean {
  return principal.kind === 'admin' || principal.botId === botId;
}
