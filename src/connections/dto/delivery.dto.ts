import { ApiProperty } from '@nestjs/swagger';
import { PageQuery } from '../../common/page-query';

/** A delivery (one dispatch, kept in connection_deliveries) either got a usable reply or did not. */
export const DELIVERY_STATUSES = ['succeeded', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export class ListDeliveriesQuery extends PageQuery {}

export class DeliveryListItemView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: DELIVERY_STATUSES }) status: DeliveryStatus;
  @ApiProperty({ type: 'integer', nullable: true, description: "The backend's HTTP status; null when none came" }) httpStatus: number | null;
  @ApiProperty({ type: 'integer' }) durationMs: number;
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
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The JSON body sent (§4.3)' }) requestBody: Record<string, unknown>;
  @ApiProperty({ type: String, nullable: true, description: 'Up to 64 KiB of the reply, as text' }) responseBody: string | null;
}
