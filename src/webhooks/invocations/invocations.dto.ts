import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length, Matches } from 'class-validator';
import { PageQuery } from '../../common/page-query';
import { RuntimeMessage } from '../shared/runtime-message.dto';

export const INVOCATION_STATUSES = ['received', 'queued', 'delivered', 'answered', 'failed', 'dropped'] as const;
export const INVOCATION_MODES = ['sync', 'async', 'auto'] as const;
export type InvocationStatus = (typeof INVOCATION_STATUSES)[number];

export class InvocationView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) webhookId: string;
  @ApiProperty() botId: string;
  @ApiProperty() command: string;
  @ApiProperty({ type: String, nullable: true }) userId: string | null;
  @ApiProperty({ type: String, nullable: true }) chatId: string | null;
  @ApiProperty({ enum: ['GET', 'POST'] }) method: string;
  @ApiProperty({ enum: INVOCATION_MODES, description: 'The mode the URL was issued with' }) mode: (typeof INVOCATION_MODES)[number];
  @ApiProperty({ enum: INVOCATION_STATUSES }) status: InvocationStatus;
  @ApiProperty({ type: 'integer', nullable: true, description: "The runtime's last HTTP status" }) httpStatus: number | null;
  @ApiProperty({ type: String, nullable: true, description: "The runtime's last message" }) answer: string | null;
  @ApiProperty({ type: String, nullable: true }) error: string | null;
  @ApiProperty({ type: 'integer' }) attempts: number;
  @ApiProperty({ type: String, nullable: true, description: 'When the next background attempt is due; null when none is' }) nextAttemptAt: string | null;
  @ApiProperty() receivedAt: string;
  @ApiProperty({ type: String, nullable: true }) finishedAt: string | null;
}

export class InvocationDetail extends InvocationView {
  @ApiProperty({ type: RuntimeMessage, description: 'The message as its runtime received it (contract §3.4)' }) message: RuntimeMessage;
}

export class InvocationPage {
  @ApiProperty({ type: [InvocationView] }) items: InvocationView[];
  @ApiProperty({ type: String, nullable: true }) nextCursor: string | null;
}

export class AcceptedView {
  @ApiProperty({ enum: [true] }) accepted: true;
}

export class InvocationsQuery extends PageQuery {
  @ApiPropertyOptional({ pattern: '^[0-9a-f]{24}$', description: "A bot key sees only its own bot's invocations; another bot's id is 404" })
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
}

