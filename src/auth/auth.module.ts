import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ChangeNoticesModule } from '../common/change-notices';
import { ApiKey } from './api-key.entity';
import { AdminKeyBootstrap } from './admin-key.bootstrap';
import { ApiKeysService } from './api-keys.service';
import { AuthGuard } from './auth.guard';
import { RequestAuthenticator } from './request-authenticator';

@Global()
@Module({
  imports: [TypeOrmModule.forFeature([ApiKey]), ChangeNoticesModule],
  providers: [ApiKeysService, RequestAuthenticator, AdminKeyBootstrap, { provide: APP_GUARD, useClass: AuthGuard }],
  exports: [ApiKeysService, RequestAuthenticator],
})
export class AuthModule {}
