import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { MAX_COMMAND, MAX_CONTENT_BYTES, MAX_EXPIRES_IN, MAX_ID, MAX_PARAMS, MAX_REDIRECT } from './issue-request';

/** The issue body, for the OpenAPI document; requests are checked by parseIssueRequest, which takes `null` as absent. */
export class IssueWebhookBody {
  @ApiPropertyOptional({ type: String, nullable: true, description: 'Required with an admin key', example: '65a1f0c2e4b0a1b2c3d4e5f6' }) botId?: string;
  @ApiProperty({ minLength: 1, maxLength: MAX_COMMAND, example: '/onWebhook' }) command: string;
  @ApiPropertyOptional({ oneOf: [{ type: 'string' }, { type: 'number' }], nullable: true, description: `At most ${MAX_ID} characters; alias user_id. Absent: a bot-wide URL` }) userId?: string | number;
  @ApiPropertyOptional({ oneOf: [{ type: 'string' }, { type: 'number' }], nullable: true, description: `At most ${MAX_ID} characters; alias chat_id` }) chatId?: string | number;
  @ApiPropertyOptional({ nullable: true, description: `Any JSON value up to ${MAX_CONTENT_BYTES} bytes, handed to the command; alias options`, example: 'Did you see the cat?' }) content?: unknown;
  @ApiPropertyOptional({
    type: 'object',
    nullable: true,
    maxProperties: MAX_PARAMS,
    additionalProperties: { oneOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }] },
    description: `At most ${MAX_PARAMS}; issued as signed query parameters of the URL, numbers and booleans as their text`,
  })
  params?: Record<string, string | number | boolean>;
  @ApiPropertyOptional({ type: String, nullable: true, maxLength: MAX_REDIRECT, description: 'http/https URL a browser is sent to after a successful run; "" counts as absent; alias redirect_to' }) redirect?: string;
  @ApiPropertyOptional({ type: Number, nullable: true, minimum: 1, maximum: MAX_EXPIRES_IN, description: 'Seconds until the URL answers 410; absent: never' }) expiresIn?: number;
  @ApiPropertyOptional({ type: Boolean, nullable: true, default: false }) singleUse?: boolean;
  @ApiPropertyOptional({ enum: ['sync', 'async'], nullable: true, default: 'sync' }) mode?: 'sync' | 'async';
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
