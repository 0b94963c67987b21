import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ChangeNoticesModule } from '../common/change-notices';
import { Bot } from './bot.entity';
import { UrlKey } from './url-key.entity';
import { BotsController } from './bots.controller';
import { BotsService } from './bots.service';
import { Purger } from './purger';
import { UrlKeysService } from './url-keys.service';

@Module({
  imports: [TypeOrmModule.forFeature([Bot, UrlKey]), ChangeNoticesModule],
  controllers: [BotsController],
  providers: [BotsService, UrlKeysService, Purger],
  exports: [BotsService, UrlKeysService, Purger, TypeOrmModule],
})
export class BotsModule {}
