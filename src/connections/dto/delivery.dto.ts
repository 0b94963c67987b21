import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { Type } from 'class-transformer';
import type { DeliveryStatus } from '../delivery.entity';

export class ListDeliveriesQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;
}

export class DeliveryListItemView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: ['succeeded', 'failed'] }) status: DeliveryStatus;
  @ApiProperty({ type: Number, nullable: true, description: 'The backend\'s HTTP status; null when none came' }) httpStatus: number | null;
  @ApiProperty() durationMs: number;
  @ApiProperty({ type: String, nullable: true }) error: string | null;
  @ApiProperty() createdAt: string;
}

export class DeliveryPageView {
  @ApiProperty({ type: [DeliveryListItemView] }) items: DeliveryListItemView[];
  @ApiProperty({ type: String, nullable: true }) nextCursor: string | null;
}

export class DeliveryView extends DeliveryListItemView {
  @ApiProperty() connectionId: string;
  @ApiProperty({ description: 'The URL called, with the token shown as [redacted]' }) requestUrl: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, description: 'Headers sent; Authorization and custom header values shown as [redacted]' })
  requestHeaders: Record<string, string>;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The JSON body sent' }) requestBody: unknown;
  @ApiProperty({ type: String, nullable: true, description: 'Up to 64 KiB of the reply, as text' }) responseBody: string | null;
}
