import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AppError } from '../common/errors';
import { Access, ACCESS_KEY } from './auth.decorator';
import { ApiKeysService } from './api-keys.service';
import type { AuthenticatedRequest } from './principal';

/** The one global guard: reads the route's access level and the bearer key. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly apiKeys: ApiKeysService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const access = this.reflector.getAllAndOverride<Access | undefined>(ACCESS_KEY, [context.getHandler(), context.getClass()]) ?? 'admin';
    if (access === 'public') return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = request.headers.authorization;
    const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (header && !match) throw new AppError('unauthorized', 'malformed Authorization header: expected Bearer <key>');
    const principal = await this.apiKeys.authenticate(match?.[1]);
    if (access === 'admin' && principal.kind !== 'admin') throw new AppError('forbidden', 'this route needs an admin key');
    request.principal = principal;
    return true;
  }
}
