import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Bot } from './bot.entity';
import { UrlKey } from './url-key.entity';
import { BotsController } from './bots.controller';
import { BotsService } from './bots.service';

@Module({
  imports: [TypeOrmModule.forFeature([Bot, UrlKey])],
  controllers: [BotsController],
  providers: [BotsService],
  exports: [BotsService, TypeOrmModule],
})
export class BotsModule {}
