import { applyDecorators } from '@nestjs/common';
import { ApiOkResponse, ReferenceObject, SchemaObject } from '@nestjs/swagger';
import { CONNECTION_REFUSALS } from '../../connections/connection-refusals';
import { WEBHOOK_REFUSALS } from '../../webhooks/shared/webhook-refusals';
import { COMMON_REFUSALS, ERROR_TYPES, Reason, VALIDATION_FAILED } from '../errors';

/** Every `status.reason` word (§0), from the tables that give each its status, so the document cannot drift. */
export const REASONS: Reason[] = [...Object.keys({ ...COMMON_REFUSALS, ...WEBHOOK_REFUSALS, ...CONNECTION_REFUSALS }), VALIDATION_FAILED] as Reason[];

export const ERROR_ENVELOPE = 'ErrorEnvelope';
export const SUCCESS_ENVELOPE = 'SuccessEnvelope';
export const schemaRef = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/**
 * Any JSON value, null included: in OpenAPI 3.0 a schema with no `type`. @nestjs/swagger would type the
 * property by its reflected `Object` (clients would see `{}`) unless it has a combinator, so it is given
 * this one, which the document builder then removes (`untypeAnyJson`).
 */
export const ANY_JSON = { anyOf: [{}] };

export function untypeAnyJson(schemas: Record<string, SchemaObject | ReferenceObject>): void {
  for (const schema of Object.values(schemas)) {
    if (!('properties' in schema) || !schema.properties) continue;
    for (const property of Object.values(schema.properties) as SchemaObject[]) {
      if (property.anyOf?.length === 1 && Object.keys(property.anyOf[0]).length === 0) delete property.anyOf;
    }
  }
}

const timestamp: SchemaObject = { type: 'string', format: 'date-time' };

export const envelopeSchemas: Record<string, SchemaObject> = {
  [ERROR_ENVELOPE]: {
    type: 'object',
    description: 'What every error answers with (§0).',
    required: ['timestamp', 'status'],
    properties: {
      timestamp,
      status: {
        type: 'object',
        required: ['code', 'type', 'message'],
        properties: {
          code: { type: 'integer', minimum: 400, maximum: 599 },
          type: { type: 'string', enum: ERROR_TYPES },
          message: { type: 'string', description: 'For people; clients branch on `reason`, never on this.' },
          reason: { type: 'string', enum: REASONS, description: 'Which refusal it is, where one applies; stable.' },
        },
      },
      errors: {
        type: 'array',
        description: 'Every field-level problem, each with its path; absent when there are none.',
        items: { type: 'object', required: ['path', 'message'], properties: { path: { type: 'string' }, message: { type: 'string' } } },
      },
    },
  },
  [SUCCESS_ENVELOPE]: {
    type: 'object',
    description: 'The answer of a call that has nothing else to say.',
    required: ['timestamp', 'status'],
    properties: {
      timestamp,
      status: {
        type: 'object',
        required: ['code', 'type'],
        properties: { code: { type: 'integer', enum: [200] }, type: { type: 'string', enum: ['success'] } },
      },
    },
  },
};

/** A 200 answered with the success envelope (deletes, revokes, rotations). */
export const ApiSuccessEnvelope = (description: string) => applyDecorators(ApiOkResponse({ description, schema: schemaRef(SUCCESS_ENVELOPE) }));
