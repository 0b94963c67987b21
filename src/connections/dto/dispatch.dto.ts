import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsObject, IsOptional, IsString, IsUUID, Length, MaxLength, registerDecorator, ValidateNested, ValidationOptions } from 'class-validator';

/** chatId and userId may come as numbers (Telegram's are); bothooks carries them as strings. */
const numberAsString = ({ value }: { value: unknown }) => (typeof value === 'number' && Number.isFinite(value) ? String(value) : value);

const MAX_KEY = 128;
const MAX_STRING = 1024;

/** True for an object whose values are all strings (≤ 1024), finite numbers, booleans or null. */
export function isFlatObject(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  for (const [key, item] of Object.entries(value)) {
    if (key.length < 1 || key.length > MAX_KEY) return false;
    if (item === null || typeof item === 'boolean') continue;
    if (typeof item === 'number' && Number.isFinite(item)) continue;
    if (typeof item === 'string' && item.length <= MAX_STRING) continue;
    return false;
  }
  return true;
}

function IsFlatObject(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isFlatObject',
      target: target.constructor,
      propertyName: propertyName as string,
      options: {
        message: `$property must be a flat object: keys of 1 to ${MAX_KEY} characters, values strings (≤ ${MAX_STRING}), numbers, booleans or null`,
        ...options,
      },
      validator: { validate: isFlatObject },
    });
}

export class DispatchNodeDto {
  @ApiPropertyOptional({ maxLength: 256 })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  id?: string;

  @ApiPropertyOptional({ maxLength: 256 })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  name?: string;
}

export class DispatchDto {
  @ApiProperty({ oneOf: [{ type: 'string' }, { type: 'number' }], description: '1..64 characters; numbers are sent as strings', example: '123456789' })
  @Transform(numberAsString)
  @IsString({ message: 'chatId must be a string or a number' })
  @Length(1, 64)
  chatId: string;

  @ApiProperty({ oneOf: [{ type: 'string' }, { type: 'number' }], description: '1..64 characters; numbers are sent as strings', example: '42' })
  @Transform(numberAsString)
  @IsString({ message: 'userId must be a string or a number' })
  @Length(1, 64)
  userId: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Generated when absent' })
  @IsOptional()
  @IsUUID('all')
  messageId?: string;

  @ApiPropertyOptional({ maxLength: 256 })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  externalId?: string;

  @ApiPropertyOptional({ type: DispatchNodeDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => DispatchNodeDto)
  node?: DispatchNodeDto;

  @ApiPropertyOptional({ type: 'object', additionalProperties: { oneOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }] }, example: { email: 'jane@example.com' } })
  @IsOptional()
  @IsFlatObject()
  userAttributes?: Record<string, string | number | boolean | null>;

  @ApiPropertyOptional({ type: 'object', additionalProperties: { oneOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }] }, example: { plan: 'pro' } })
  @IsOptional()
  @IsFlatObject()
  attributes?: Record<string, string | number | boolean | null>;
}

export class DispatchResultView {
  @ApiProperty({ format: 'uuid', description: 'Also the webhook-id the backend received' }) deliveryId: string;
  @ApiProperty() durationMs: number;
  @ApiProperty({ type: 'array', items: { type: 'object' }, description: 'The reply\'s responses, normalized (contract §5)' }) responses: unknown[];
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The reply\'s attributes' }) attributes: Record<string, unknown>;
}
