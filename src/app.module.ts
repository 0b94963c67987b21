import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import type { Configuration } from './config/configuration';
import { ConfigurationModule } from './config/configuration.module';
import { AuthModule } from './auth/auth.module';
import { BotsModule } from './bots/bots.module';
import { ConnectionsModule } from './connections/connections.module';
import { ErrorFilter } from './common/error.filter';
import { OutboundModule } from './common/outbound/outbound.module';
import { RequestValidationPipe } from './common/validation.pipe';
import { DatabaseModule } from './database/database.module';
import { RetentionModule } from './database/retention';
import { HealthModule } from './health/health.module';
import { MetricsModule } from './metrics/metrics.module';
import { ResponsesModule } from './responses/responses.module';
import { StatsModule } from './stats/stats.module';
import { WebhooksModule } from './webhooks/webhooks.module';

@Module({
  imports: [
    DatabaseModule,
    MetricsModule,
    OutboundModule,
    AuthModule,
    HealthModule,
    BotsModule,
    ResponsesModule,
    ConnectionsModule,
    WebhooksModule,
    RetentionModule,
    StatsModule,
  ],
  providers: [
    { provide: APP_FILTER, useClass: ErrorFilter },
    { provide: APP_PIPE, useClass: RequestValidationPipe },
  ],
})
export class AppModule {
  /** The whole app on one Configuration; production and the e2e tests both boot it this way. */
  static forRoot(config: Configuration): DynamicModule {
    return { module: AppModule, imports: [ConfigurationModule.forRoot(config)] };
  }
}
