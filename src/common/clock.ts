import { Injectable, Module } from '@nestjs/common';

/** Wall-clock time in milliseconds, injected so that tests can move time instead of waiting for it. */
@Injectable()
export class Clock {
  now(): number {
    return Date.now();
  }
}

@Module({ providers: [Clock], exports: [Clock] })
export class ClockModule {}
