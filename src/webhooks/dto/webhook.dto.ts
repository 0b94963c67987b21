import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';

export const INVOCATION_STATUSES = ['received', 'queued', 'delivered', 'answered', 'failed'] as const;
export type InvocationStatus = (typeof INVOCATION_STATUSES)[number];

/** The issue body, for the OpenAPI document; requests are checked by parseIssueRequest. */
export class IssueWebhookBody {
  @ApiPropertyOptional({ description: 'Required with an admin key', example: '65a1f0c2e4b0a1b2c3d4e5f6' }) botId?: string;
  @ApiProperty({ minLength: 1, maxLength: 256, example: '/onWebhook' }) command: string;
  @ApiPropertyOptional({ oneOf: [{ type: 'string' }, { type: 'number' }], description: 'At most 64 characters; alias user_id. Absent: a bot-wide URL' }) userId?: string | number;
  @ApiPropertyOptional({ oneOf: [{ type: 'string' }, { type: 'number' }], description: 'At most 64 characters; alias chat_id' }) chatId?: string | number;
  @ApiPropertyOptional({ description: 'Any JSON value up to 4096 bytes, handed to the command; alias options', example: 'Did you see the cat?' }) content?: unknown;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { oneOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }] },
    description: 'At most 20; issued as signed query parameters of the URL, numbers and booleans as their text',
  })
  params?: Record<string, string | number | boolean>;
  @ApiPropertyOptional({ maxLength: 2048, description: 'http/https URL a browser is sent to after a successful run; "" counts as absent; alias redirect_to' }) redirect?: string;
  @ApiPropertyOptional({ minimum: 1, maximum: 31536000, description: 'Seconds until the URL answers 410; absent: never' }) expiresIn?: number;
  @ApiPropertyOptional({ default: false }) singleUse?: boolean;
  @ApiPropertyOptional({ enum: ['sync', 'async'], default: 'sync' }) mode?: 'sync' | 'async';
}

export class IssuedWebhookView {
  @ApiProperty({ format: 'uuid' }) webhookId: string;
  @ApiProperty({ description: 'Absolute URL; its signature is the credential' }) url: string;
  @ApiProperty() botId: string;
  @ApiProperty() command: string;
  @ApiProperty({ type: String, nullable: true }) userId: string | null;
  @ApiProperty({ type: String, nullable: true }) chatId: string | null;
  @ApiProperty({ enum: ['sync', 'async'] }) mode: 'sync' | 'async';
  @ApiProperty({ type: String, nullable: true }) expiresAt: string | null;
}

export class InvocationView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) webhookId: string;
  @ApiProperty() botId: string;
  @ApiProperty() command: string;
  @ApiProperty({ type: String, nullable: true }) userId: string | null;
  @ApiProperty({ type: String, nullable: true }) chatId: string | null;
  @ApiProperty({ enum: ['GET', 'POST'] }) method: string;
  @ApiProperty({ enum: INVOCATION_STATUSES }) status: InvocationStatus;
  @ApiProperty({ type: Number, nullable: true, description: "The runtime's last HTTP status" }) httpStatus: number | null;
  @ApiProperty({ type: String, nullable: true, description: "The runtime's last message" }) answer: string | null;
  @ApiProperty({ type: String, nullable: true }) error: string | null;
  @ApiProperty() attempts: number;
  @ApiProperty() receivedAt: string;
  @ApiProperty({ type: String, nullable: true }) finishedAt: string | null;
}

export class InvocationDetail extends InvocationView {
  @ApiProperty({ description: 'The message as its runtime received it (contract §3.4)' }) message: object;
}

export class InvocationPage {
  @ApiProperty({ type: [InvocationView] }) items: InvocationView[];
  @ApiProperty({ type: String, nullable: true }) nextCursor: string | null;
}

export class AcceptedView {
  @ApiProperty({ example: true }) accepted: boolean;
}

export class InvocationsQuery {
  @ApiPropertyOptional({ description: "A bot key sees only its own bot's invocations; another bot's id is 404" })
  @IsOptional()
  @Matches(/^[0-9a-f]{24}$/, { message: 'botId must be 24 lowercase hex characters' })
  botId?: string;

  @ApiPropertyOptional({ enum: INVOCATION_STATUSES })
  @IsOptional()
  @IsIn(INVOCATION_STATUSES)
  status?: InvocationStatus;

  @ApiPropertyOptional({ maxLength: 256 })
  @IsOptional()
  @IsString()
  @Length(1, 256)
  command?: string;

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
  cursor?: string;
}

export class UpdatesQuery {
  @ApiPropertyOptional({ description: 'Only with an admin key: whose updates' })
  @IsOptional()
  @Matches(/^[0-9a-f]{24}$/, { message: 'botId must be 24 lowercase hex characters' })
  botId?: string;

  @ApiPropertyOptional({ description: 'The last updateId received + 1; confirms every update before it' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  offset?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: 50, default: 0, description: 'Seconds to wait for an update when there is none' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(50)
  timeout?: number;
}

export class UpdateView {
  @ApiProperty() updateId: number;
  @ApiProperty({ description: 'The message a runtime would have been sent (contract §3.4)' }) invocation: object;
}
