import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { schemaRef } from '../../common/openapi/envelopes';
import type { BotResponse } from '../../responses/response.types';
import { MAX_ID, MAX_TEXT } from '../dispatch-request';

export class DispatchNodeBody {
  @ApiPropertyOptional({ type: String, nullable: true, maxLength: MAX_TEXT }) id?: string;
  @ApiPropertyOptional({ type: String, nullable: true, maxLength: MAX_TEXT }) name?: string;
}

/** The dispatch body, for the OpenAPI document; requests are checked by parseDispatchRequest, which takes `null` as absent. */
export class DispatchBody {
  @ApiProperty({ oneOf: [{ type: 'string' }, { type: 'number' }], description: `1..${MAX_ID} characters; numbers are sent as strings`, example: '123456789' })
  chatId: string | number;

  @ApiProperty({ oneOf: [{ type: 'string' }, { type: 'number' }], description: `1..${MAX_ID} characters; numbers are sent as strings`, example: '42' })
  userId: string | number;

  @ApiPropertyOptional({ type: String, nullable: true, format: 'uuid', description: 'Generated when absent' })
  messageId?: string;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: MAX_TEXT })
  externalId?: string;

  @ApiPropertyOptional({ type: DispatchNodeBody, nullable: true })
  node?: DispatchNodeBody;

  @ApiPropertyOptional({ type: 'object', nullable: true, additionalProperties: { oneOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }] }, example: { email: 'jane@example.com' } })
  userAttributes?: Record<string, string | number | boolean | null>;

  @ApiPropertyOptional({ type: 'object', nullable: true, additionalProperties: { oneOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }] }, example: { plan: 'pro' } })
  attributes?: Record<string, string | number | boolean | null>;
}

export class DispatchResultView {
  @ApiProperty({ format: 'uuid', description: 'Also the webhook-id the backend received' }) deliveryId: string;
  @ApiProperty({ type: 'integer' }) durationMs: number;
  @ApiProperty({ type: 'array', items: schemaRef('BotResponse'), description: "The reply's responses, normalized (contract §5)" }) responses: BotResponse[];
  @ApiProperty({ allOf: [schemaRef('BotAttributes')], description: "The reply's attributes" }) attributes: Record<string, string | number | boolean | null>;
}
