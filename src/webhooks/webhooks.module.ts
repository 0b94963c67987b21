import { Module } from '@nestjs/common';
import { BotsModule } from '../bots/bots.module';
import { ChangeNoticesModule } from '../common/change-notices';
import { ClockModule } from '../common/clock';
import { PushQueue } from './delivery/push-queue';
import { InvocationStore } from './invocations/invocation-store';
import { InvocationsController } from './invocations/invocations.controller';
import { InvocationsService } from './invocations/invocations.service';
import { InvocationStreamController } from './stream/invocation-stream.controller';
import { InvocationStream } from './stream/invocation-stream';
import { IssueService } from './issue/issue.service';
import { PushWorker } from './delivery/push-worker';
import { ConversationTurns } from './delivery/conversation-turns';
import { AutoFallback } from './receive/auto-fallback';
import { RateLimits } from './receive/rate-limits';
import { ReceiveService } from './receive/receive.service';
import { RuntimeClient } from './delivery/runtime-client';
import { Sweeper } from './delivery/sweeper';
import { UpdateSignal } from './updates/update-signal';
import { UpdatesController } from './updates/updates.controller';
import { UpdatesService } from './updates/updates.service';
import { WebhooksController } from './issue/issue.controller';

/** Issued webhook URLs (contract §3): issue, receive, deliver (sync, async with retries, pull), manage. */
@Module({
  imports: [BotsModule, ClockModule, ChangeNoticesModule],
  // Issued URLs themselves are served by receiveIssuedUrls (receive.route.ts), ahead of these controllers.
  controllers: [WebhooksController, InvocationStreamController, InvocationsController, UpdatesController],
  providers: [
    IssueService,
    ReceiveService,
    InvocationStore,
    RateLimits,
    RuntimeClient,
    PushQueue,
    PushWorker,
    ConversationTurns,
    AutoFallback,
    Sweeper,
    UpdateSignal,
    UpdatesService,
    InvocationsService,
    InvocationStream,
  ],
})
export class WebhooksModule {}
