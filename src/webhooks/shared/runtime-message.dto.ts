import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ANY_JSON } from '../../common/openapi/envelopes';

/** The call as the runtime sees it (§3.4 `options`). */
export class RuntimeMessageOptions {
  @ApiProperty({ description: 'The URL called, with the parameters the caller appended' }) url: string;
  @ApiProperty({ enum: ['GET', 'POST'] }) method: 'GET' | 'POST';
  @ApiProperty({
    type: 'object',
    additionalProperties: { oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
    description: 'Query parameters the caller appended (not trusted); a repeated one is an array',
  })
  params: Record<string, string | string[]>;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, description: 'Lower-case names, no hop-by-hop headers' }) headers: Record<string, string>;
  @ApiProperty({ description: 'The client IP' }) ip: string;
  @ApiProperty({ description: 'The request body as text; "" when there is none' }) body: string;
  @ApiPropertyOptional({ enum: ['base64'], description: 'Present when the body was not UTF-8 text and `body` is its base64' }) bodyEncoding?: 'base64';
}

/** What bothooks POSTs to a bot's runtime (§3.4), and what a pull-mode update carries. */
export class RuntimeMessage {
  @ApiProperty({ enum: ['webhook'] }) type: 'webhook';
  @ApiProperty({ format: 'uuid' }) invocationId: string;
  @ApiProperty({ format: 'uuid' }) webhookId: string;
  @ApiProperty() botId: string;
  @ApiProperty({ example: '/onWebhook' }) command: string;
  @ApiProperty({ type: String, nullable: true }) userId: string | null;
  @ApiProperty({ type: String, nullable: true }) chatId: string | null;
  @ApiProperty({ description: 'The request body when there is one, else the issued content (serialized when not a string), else ""' }) content: string;
  @ApiProperty({ ...ANY_JSON, description: 'The content the URL was issued with, any JSON value, or null' }) issuedContent: unknown;
  @ApiProperty({ type: RuntimeMessageOptions }) options: RuntimeMessageOptions;
  @ApiProperty({ format: 'date-time' }) receivedAt: string;
}
