import { Module } from '@nestjs/common';
import { ResponseValidator } from './response-validator';
import { ResponsesController } from './responses.controller';
import { ResponsesService } from './responses.service';

/** Exports the validator so that dispatching a connection judges replies by exactly the same rules. */
@Module({
  controllers: [ResponsesController],
  providers: [ResponseValidator, ResponsesService],
  exports: [ResponseValidator],
})
export class ResponsesModule {}
