import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

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
