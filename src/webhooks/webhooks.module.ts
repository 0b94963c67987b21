import { Module } from '@nestjs/common';
import { BotsModule } from '../bots/bots.module';
import { DeliveryQueue } from './delivery-queue';
import { InvocationStore } from './invocation-store';
import { InvocationsController } from './invocations.controller';
import { InvocationsService } from './invocations.service';
import { IssueService } from './issue.service';
import { PushDeliveries } from './push-deliveries';
import { RateLimits } from './rate-limits';
import { ReceiveService } from './receive.service';
import { RuntimeClient } from './runtime-client';
import { Sweeper } from './sweeper';
import { UpdateSignal } from './update-signal';
import { UpdatesController } from './updates.controller';
import { UpdatesService } from './updates.service';
import { WebhooksController } from './webhooks.controller';

/** Issued webhook URLs (contract §3): issue, receive, deliver (sync, async with retries, pull), manage. */
@Module({
  imports: [BotsModule],
  // Issued URLs themselves are served by receiveIssuedUrls (receive.route.ts), ahead of these controllers.
  controllers: [WebhooksController, InvocationsController, UpdatesController],
  providers: [
    IssueService,
    ReceiveService,
    InvocationStore,
    RateLimits,
    RuntimeClient,
    DeliveryQueue,
    PushDeliveries,
    Sweeper,
    UpdateSignal,
    UpdatesService,
    InvocationsService,
  ],
})
export class WebhooksModule {}
