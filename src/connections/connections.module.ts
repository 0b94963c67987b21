import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Bot } from '../bots/bot.entity';
import { BotsModule } from '../bots/bots.module';
import { ChangeNoticesModule } from '../common/change-notices';
import { ClockModule } from '../common/clock';
import { ResponsesModule } from '../responses/responses.module';
import { Connection } from './connection.entity';
import { Circuits } from './circuits';
import { ConnectionCache } from './connection-cache';
import { ConnectionsController } from './connections.controller';
import { ConnectionsService } from './connections.service';
import { DeliveriesService } from './deliveries.service';
import { DispatchController } from './dispatch.controller';
import { DispatchService } from './dispatch.service';
import { VerificationService } from './verification.service';

@Module({
  imports: [TypeOrmModule.forFeature([Connection, Bot]), BotsModule, ResponsesModule, ChangeNoticesModule, ClockModule],
  controllers: [ConnectionsController, DispatchController],
  providers: [ConnectionsService, VerificationService, DispatchService, DeliveriesService, ConnectionCache, Circuits],
})
export class ConnectionsModule {}
