import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { appConfig } from './config/app.config';
import { connectionsConfig } from './config/connections.config';
import { databaseConfig } from './config/database.config';
import { securityConfig } from './config/security.config';
import { webhooksConfig } from './config/webhooks.config';
import { AuthModule } from './auth/auth.module';
import { BotsModule } from './bots/bots.module';
import { ConnectionsModule } from './connections/connections.module';
import { ErrorFilter } from './common/error.filter';
import { OutboundModule } from './common/outbound/outbound.module';
import { RequestValidationPipe } from './common/validation.pipe';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { MetricsModule } from './metrics/metrics.module';
import { ResponsesModule } from './responses/responses.module';
import { WebhooksModule } from './webhooks/webhooks.module';

@Module({
  imports: [
    ConfigModule.forRoot({
      isGlobal: true,
      ignoreEnvFile: true,
      load: [appConfig, databaseConfig, securityConfig, webhooksConfig, connectionsConfig],
    }),
    DatabaseModule,
    MetricsModule,
    OutboundModule,
    AuthModule,
    HealthModule,
    BotsModule,
    ResponsesModule,
    ConnectionsModule,
    WebhooksModule,
  ],
  providers: [
    { provide: APP_FILTER, useClass: ErrorFilter },
    { provide: APP_PIPE, useClass: RequestValidationPipe },
  ],
})
export class AppModule {}
