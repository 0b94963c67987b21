import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsObject, IsOptional, IsString, Length, Matches, Max, Min, ValidateIf, ValidateNested } from 'class-validator';
import { IsHttpUrl } from '../../common/validators';
import type { Verification } from '../connection.entity';
import { MAX_HEADER_NAME, MAX_HEADER_VALUE, MAX_HEADERS } from '../header-rules';

export const DEFAULT_TIMEOUT_MS = 10_000;
const MIN_TIMEOUT_MS = 100;
const MAX_TIMEOUT_MS = 30_000;
const MAX_NAME = 128;
const MAX_URL = 1024;
/** Token, username and password. */
const MAX_CREDENTIAL = 1024;

/** What POST and PUT accept, as the service sees it after ConnectionBodyPipe. */
export interface ConnectionFields {
  name: string;
  url: string;
  token?: string | null;
  headers?: Record<string, string> | null;
  auth?: { username: string; password: string } | null;
  timeoutMs?: number | null;
}

export interface NewConnectionFields extends ConnectionFields {
  storyId: string;
}

const present = (_: unknown, value: unknown) => value !== null && value !== undefined;

class BasicAuthDto {
  @ApiProperty({ minLength: 1, maxLength: MAX_CREDENTIAL })
  @IsString()
  @Length(1, MAX_CREDENTIAL)
  // RFC 7617: the first colon separates user from password, so a username cannot contain one.
  @Matches(/^[^:]*$/, { message: 'username must not contain ":"' })
  username: string;

  @ApiProperty({ minLength: 1, maxLength: MAX_CREDENTIAL })
  @IsString()
  @Length(1, MAX_CREDENTIAL)
  password: string;
}

/** PUT body: the whole connection; every optional field left out goes back to its default. */
export class UpdateConnectionDto implements ConnectionFields {
  @ApiProperty({ minLength: 1, maxLength: MAX_NAME, example: 'Order status backend' })
  @IsString()
  @Length(1, MAX_NAME)
  name: string;

  @ApiProperty({ maxLength: MAX_URL, example: 'https://backend.example.com/chatbot' })
  @IsHttpUrl(MAX_URL)
  url: string;

  @ApiPropertyOptional({ type: String, nullable: true, minLength: 1, maxLength: MAX_CREDENTIAL, description: 'Sent as ?token= on every call, and used by the verification handshake' })
  @ValidateIf(present)
  @IsString()
  @Length(1, MAX_CREDENTIAL)
  token?: string | null;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string', maxLength: MAX_HEADER_VALUE },
    minProperties: 1,
    maxProperties: MAX_HEADERS,
    nullable: true,
    description: `1..${MAX_HEADERS} headers sent on every call; names are HTTP tokens ≤ ${MAX_HEADER_NAME}. values are visible ASCII, space and tab. host, content-length, content-type, transfer-encoding, connection, keep-alive, upgrade, expect, te, trailer, proxy-*, webhook-* and (with auth) authorization are refused.`,
    example: { 'X-Api-Key': 'secret' },
  })
  @IsOptional()
  headers?: Record<string, string> | null;

  @ApiPropertyOptional({ type: BasicAuthDto, nullable: true, description: 'HTTP Basic credentials' })
  @ValidateIf(present)
  @IsObject()
  @ValidateNested()
  @Type(() => BasicAuthDto)
  auth?: BasicAuthDto | null;

  @ApiPropertyOptional({ type: 'integer', nullable: true, minimum: MIN_TIMEOUT_MS, maximum: MAX_TIMEOUT_MS, default: DEFAULT_TIMEOUT_MS })
  @ValidateIf(present)
  @IsInt()
  @Min(MIN_TIMEOUT_MS)
  @Max(MAX_TIMEOUT_MS)
  timeoutMs?: number | null;
}

export class CreateConnectionDto extends UpdateConnectionDto implements NewConnectionFields {
  @ApiProperty({ pattern: '^[0-9a-f]{24}$', description: 'The bot (chatbot.com "story") the connection belongs to', example: '65a1f0c2e4b0a1b2c3d4e5f6' })
  @IsString()
  @Matches(/^[0-9a-f]{24}$/, { message: 'storyId must be 24 lowercase hex characters' })
  storyId: string;
}

class CreatedStatusView {
  @ApiProperty({ type: 'integer', enum: [201] }) code: number;
  @ApiProperty({ enum: ['created'] }) type: string;
}

class StoryView {
  @ApiProperty() id: string;
  @ApiProperty() name: string;
}

export class ConnectionListItemView {
  @ApiProperty({ example: '65a1f0c2e4b0a1b2c3d4e5f7' }) id: string;
  @ApiProperty({ type: StoryView }) story: StoryView;
  @ApiProperty() name: string;
  @ApiProperty() url: string;
  @ApiProperty({ type: String, nullable: true, description: 'The last failure, or null once a call succeeds', example: 'Request failed with status code 404' }) error: string | null;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
}

export class ConnectionView extends ConnectionListItemView {
  @ApiProperty({ type: String, nullable: true }) token: string | null;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, nullable: true }) headers: Record<string, string> | null;
  @ApiProperty({ type: BasicAuthDto, nullable: true }) auth: { username: string; password: string } | null;
  @ApiProperty({ type: 'integer' }) timeoutMs: number;
  @ApiProperty({ enum: ['not_required', 'passed', 'failed'] }) verification: Verification;
  @ApiProperty({ description: 'Standard Webhooks secret (whsec_…) that signs every dispatch' }) signingSecret: string;
}

export class CreatedConnectionView {
  @ApiProperty() id: string;
  @ApiProperty() timestamp: string;
  @ApiProperty({ type: CreatedStatusView }) status: CreatedStatusView;
}

export class VerificationView {
  @ApiProperty({ enum: ['not_required', 'passed', 'failed'] }) verification: Verification;
  @ApiProperty({ type: String, nullable: true }) error: string | null;
}
