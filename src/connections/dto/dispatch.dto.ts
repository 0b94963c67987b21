import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class DispatchNodeBody {
  @ApiPropertyOptional({ maxLength: 256 }) id?: string;
  @ApiPropertyOptional({ maxLength: 256 }) name?: string;
}

/** The dispatch body, for the OpenAPI document; requests are checked by parseDispatchRequest. */
export class DispatchBody {
  @ApiProperty({ oneOf: [{ type: 'string' }, { type: 'number' }], description: '1..64 characters; numbers are sent as strings', example: '123456789' })
  chatId: string | number;

  @ApiProperty({ oneOf: [{ type: 'string' }, { type: 'number' }], description: '1..64 characters; numbers are sent as strings', example: '42' })
  userId: string | number;

  @ApiPropertyOptional({ format: 'uuid', description: 'Generated when absent' })
  messageId?: string;

  @ApiPropertyOptional({ maxLength: 256 })
  externalId?: string;

  @ApiPropertyOptional({ type: DispatchNodeBody })
  node?: DispatchNodeBody;

  @ApiPropertyOptional({ type: 'object', additionalProperties: { oneOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }] }, example: { email: 'jane@example.com' } })
  userAttributes?: Record<string, string | number | boolean | null>;

  @ApiPropertyOptional({ type: 'object', additionalProperties: { oneOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }] }, example: { plan: 'pro' } })
  attributes?: Record<string, string | number | boolean | null>;
}

export class DispatchResultView {
  @ApiProperty({ format: 'uuid', description: 'Also the webhook-id the backend received' }) deliveryId: string;
  @ApiProperty() durationMs: number;
  @ApiProperty({ type: 'array', items: { type: 'object' }, description: 'The reply\'s responses, normalized (contract §5)' }) responses: unknown[];
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The reply\'s attributes' }) attributes: Record<string, unknown>;
}
