import { ApiProperty, ApiPropertyOptional, SchemaObject } from '@nestjs/swagger';
import { ANY_JSON } from '../../common/openapi/envelopes';
import { MAX_COMMAND, MAX_CONTENT_BYTES, MAX_CORS_ORIGINS, MAX_EXPIRES_IN, MAX_ID, MAX_PARAMS, MAX_REDIRECT } from './issue-request';

const userId = { oneOf: [{ type: 'string', nullable: true, maxLength: MAX_ID }, { type: 'number' }] as SchemaObject[] };
const content = { ...ANY_JSON, description: `Any JSON value up to ${MAX_CONTENT_BYTES} bytes serialized, handed to the command`, example: 'Did you see the cat?' };
const redirect = { type: String, nullable: true, maxLength: MAX_REDIRECT, description: 'http/https URL a browser is sent to after a successful run; "" counts as absent' };
const alias = (name: string) => `Alias of ${name}; giving both is 400`;

/**
 * The issue body, for the OpenAPI document; requests are checked by parseIssueRequest, which takes `null` as
 * absent.
 */
export class IssueWebhookBody {
  @ApiPropertyOptional({ type: String, nullable: true, pattern: '^[0-9a-f]{24}$', description: 'Required with an admin key', example: '65a1f0c2e4b0a1b2c3d4e5f6' }) botId?: string;
  @ApiProperty({ minLength: 1, maxLength: MAX_COMMAND, example: '/onWebhook' }) command: string;
  @ApiPropertyOptional({ ...userId, description: `At most ${MAX_ID} characters; absent: a bot-wide URL` }) userId?: string | number;
  @ApiPropertyOptional({ ...userId, description: alias('userId') }) user_id?: string | number;
  @ApiPropertyOptional({ ...userId, description: `At most ${MAX_ID} characters` }) chatId?: string | number;
  @ApiPropertyOptional({ ...userId, description: alias('chatId') }) chat_id?: string | number;
  @ApiPropertyOptional(content) content?: unknown;
  @ApiPropertyOptional({ ...content, description: alias('content') }) options?: unknown;
  @ApiPropertyOptional({
    type: 'object',
    nullable: true,
    maxProperties: MAX_PARAMS,
    additionalProperties: { oneOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }] },
    description: `At most ${MAX_PARAMS}; issued as signed query parameters of the URL, numbers and booleans as their text`,
  })
  params?: Record<string, string | number | boolean>;
  @ApiPropertyOptional(redirect) redirect?: string;
  @ApiPropertyOptional({ ...redirect, description: alias('redirect') }) redirect_to?: string;
  @ApiPropertyOptional({ type: 'integer', nullable: true, minimum: 1, maximum: MAX_EXPIRES_IN, description: 'Seconds until the URL answers 410; absent: never' }) expiresIn?: number;
  @ApiPropertyOptional({ type: Boolean, nullable: true, default: false }) singleUse?: boolean;
  @ApiPropertyOptional({ enum: ['sync', 'async', 'auto'], nullable: true, default: 'sync' }) mode?: 'sync' | 'async' | 'auto';
  @ApiPropertyOptional({ type: 'integer', minimum: 100, nullable: true, description: 'With mode auto only: how long to wait for the runtime before answering 202, from 100 to RUNTIME_TIMEOUT_MS (3000 when absent)' })
  deadlineMs?: number;
  @ApiPropertyOptional({
    type: [String],
    nullable: true,
    minItems: 1,
    maxItems: MAX_CORS_ORIGINS,
    example: ['https://shop.example'],
    description: 'Origins (scheme, host, optional port) whose pages may call the URL from browser JavaScript and read the answer, or ["*"] for any',
  })
  cors?: string[];
}

export class IssuedWebhookView {
  @ApiProperty({ format: 'uuid' }) webhookId: string;
  @ApiProperty({ description: 'Absolute URL; its signature is the credential' }) url: string;
  @ApiProperty() botId: string;
  @ApiProperty() command: string;
  @ApiProperty({ type: String, nullable: true }) userId: string | null;
  @ApiProperty({ type: String, nullable: true }) chatId: string | null;
  @ApiProperty({ enum: ['sync', 'async', 'auto'] }) mode: 'sync' | 'async' | 'auto';
  @ApiProperty({ type: String, nullable: true }) expiresAt: string | null;
}
