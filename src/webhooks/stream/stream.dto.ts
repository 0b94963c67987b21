import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';

export class StreamQuery {
  @ApiPropertyOptional({ pattern: '^[0-9a-f]{24}$', description: "Only this bot's invocations; a bot key sees its own bot only, another bot's id is 404" })
  @IsOptional()
  @Matches(/^[0-9a-f]{24}$/, { message: 'botId must be 24 lowercase hex characters' })
  botId?: string;
}
