import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AppError } from '../common/errors';
import { Access, ACCESS_KEY } from './auth.decorator';
import type { AuthenticatedRequest } from './principal';
import { RequestAuthenticator } from './request-authenticator';

/** The one global guard: reads the route's access level; the key was judged already if the request had a body. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: RequestAuthenticator,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const access = this.reflector.getAllAndOverride<Access | undefined>(ACCESS_KEY, [context.getHandler(), context.getClass()]) ?? 'admin';
    if (access === 'public') return true;
    const principal = await this.authenticator.authenticate(context.switchToHttp().getRequest<AuthenticatedRequest>());
    if (access === 'admin' && principal.kind !== 'admin') throw new AppError('forbidden', 'this route needs an admin key');
    return true;
  }
}
