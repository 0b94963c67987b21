import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { RuntimeMessage } from '../shared/runtime-message.dto';

export class DropUpdatesQuery {
  @ApiPropertyOptional({ pattern: '^[0-9a-f]{24}$', description: 'Only with an admin key: whose updates' })
  @IsOptional()
  @Matches(/^[0-9a-f]{24}$/, { message: 'botId must be 24 lowercase hex characters' })
  botId?: string;
}

export class DroppedView {
  @ApiProperty({ type: 'integer', description: 'How many waiting calls were dropped' }) dropped: number;
}

export class UpdatesQuery {
  @ApiPropertyOptional({ pattern: '^[0-9a-f]{24}$', description: 'Only with an admin key: whose updates' })
  @IsOptional()
  @Matches(/^[0-9a-f]{24}$/, { message: 'botId must be 24 lowercase hex characters' })
  botId?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 0, description: 'The last updateId received + 1; confirms every update before it' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  offset?: number;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 100, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  @ApiPropertyOptional({ type: 'integer', minimum: 0, maximum: 50, default: 0, description: 'Seconds to wait for an update when there is none' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(50)
  timeout?: number;
}

export class UpdateView {
  @ApiProperty({ type: 'integer' }) updateId: number;
  @ApiProperty({ type: RuntimeMessage, description: 'The message a runtime would have been sent (contract §3.4)' }) invocation: RuntimeMessage;
}
