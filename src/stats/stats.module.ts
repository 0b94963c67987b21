import { Module } from '@nestjs/common';
import { ClockModule } from '../common/clock';
import { StatsController } from './stats.controller';
import { StatsKeeper } from './stats-keeper';
import { StatsMinutes } from './stats-minutes';
import { StatsService } from './stats.service';

/** Figures over time for dashboards and the console, read from the invocations and deliveries stored. */
@Module({ imports: [ClockModule], controllers: [StatsController], providers: [StatsService, StatsMinutes, StatsKeeper] })
export class StatsModule {}
