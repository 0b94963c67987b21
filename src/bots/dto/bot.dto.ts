import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, Length, Max, Min, ValidateIf } from 'class-validator';
import { IsHttpUrl } from '../../common/validators';
import { BOT_ORDERINGS, type BotOrdering } from '../bot.entity';

const MAX_NAME = 128;
const MAX_URL = 1024;
/** Contract §2: a week at most. */
const MAX_GRACE_SECONDS = 604_800;

export class CreateBotDto {
  @ApiProperty({ minLength: 1, maxLength: MAX_NAME, example: 'Cat facts' })
  @IsString()
  @Length(1, MAX_NAME)
  name: string;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: MAX_URL, example: 'https://runtime.example.com/bothooks', description: 'Where bothooks POSTs commands; null for pull mode' })
  @ValidateIf((_, value) => value !== null && value !== undefined)
  @IsHttpUrl(MAX_URL)
  runtimeUrl?: string | null;

  @ApiPropertyOptional({ enum: BOT_ORDERINGS, description: 'conversation (when absent at creation): background deliveries of one chat (else user) reach the runtime one at a time, in order; none: as soon as they can' })
  @ValidateIf((_, value) => value !== undefined)
  @IsIn(BOT_ORDERINGS, { message: 'ordering must be "conversation" or "none"' })
  ordering?: BotOrdering;
}

export class UpdateBotDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: MAX_NAME })
  @IsOptional()
  @IsString()
  @Length(1, MAX_NAME)
  name?: string;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: MAX_URL })
  @ValidateIf((_, value) => value !== null && value !== undefined)
  @IsHttpUrl(MAX_URL)
  runtimeUrl?: string | null;

  @ApiPropertyOptional({ enum: BOT_ORDERINGS,  description: 'conversation: background deliveries of one chat (else user) reach the runtime one at a time, in order; none: as soon as they can' })
  @ValidateIf((_, value) => value !== undefined)
  @IsIn(BOT_ORDERINGS, { message: 'ordering must be "conversation" or "none"' })
  ordering?: BotOrdering;
}

export class RotateUrlKeyDto {
  @ApiPropertyOptional({ minimum: 0, maximum: MAX_GRACE_SECONDS, default: 0, description: 'How long URLs signed with the old key keep working' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_GRACE_SECONDS)
  graceSeconds?: number;
}

export class BotView {
  @ApiProperty({ example: '65a1f0c2e4b0a1b2c3d4e5f6' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ type: String, nullable: true }) runtimeUrl: string | null;
  @ApiProperty({ enum: BOT_ORDERINGS }) ordering: BotOrdering;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
}

export class BotDetailView extends BotView {
  @ApiProperty({ description: 'Standard Webhooks secret (whsec_…) that signs every call to the runtime' }) signingSecret: string;
}

export class CreatedBotView extends BotDetailView {
  @ApiProperty({ description: 'A bot API key; shown only in this answer' }) apiKey: string;
}

export class CreatedApiKeyView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ description: 'Shown only in this answer' }) apiKey: string;
}
