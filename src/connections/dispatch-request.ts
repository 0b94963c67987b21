import { codePointLength } from '../common/code-points';
import { AppError, FieldError } from '../common/errors';
import { unstorableInput } from '../common/validation.pipe';
import { checkFlatObject } from '../responses/flat-attributes';
import type { AttributeValue } from '../responses/response.types';

export const MAX_ID = 64;
export const MAX_TEXT = 256;
const FIELDS = new Set(['chatId', 'userId', 'messageId', 'externalId', 'node', 'userAttributes', 'attributes']);
const NODE_FIELDS = new Set(['id', 'name']);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type FlatObject = Record<string, AttributeValue>;

/** A checked `POST …/:id/dispatch` body; absent optional fields are undefined. */
export interface DispatchRequest {
  chatId: string;
  userId: string;
  messageId?: string;
  externalId?: string;
  node?: { id?: string; name?: string };
  userAttributes?: FlatObject;
  attributes?: FlatObject;
}

/**
 * Checks a dispatch body by hand and lists every problem with its path. Dispatching is a hot path, and
 * class-validator with class-transformer was a large share of what it allocated; the rules are the ones the
 * validation pipe applied: unknown fields refused, `null` counts as absent, lengths in code points.
 */
export function parseDispatchRequest(body: unknown): DispatchRequest {
  const input = body === undefined ? {} : body;
  if (input === null || typeof input !== 'object' || Array.isArray(input)) throw new AppError('bad_request', 'request body must be a JSON object');
  const unstorable = unstorableInput(input);
  if (unstorable.length > 0) throw new AppError('bad_request', 'request validation failed', { errors: unstorable });
  const fields = input as Record<string, unknown>;
  const errors: FieldError[] = [];
  for (const name of Object.keys(fields)) if (!FIELDS.has(name)) errors.push({ path: name, message: 'unknown field' });

  const request: DispatchRequest = { chatId: readId('chatId', fields.chatId, errors), userId: readId('userId', fields.userId, errors) };
  if (given(fields.messageId)) {
    if (typeof fields.messageId === 'string' && UUID.test(fields.messageId)) request.messageId = fields.messageId;
    else errors.push({ path: 'messageId', message: 'messageId must be a UUID' });
  }
  if (given(fields.externalId)) request.externalId = readText('externalId', fields.externalId, errors);
  if (given(fields.node)) request.node = readNode(fields.node, errors);
  // The same rules, and the same function, as the attributes of a backend's reply (§5).
  for (const name of ['userAttributes', 'attributes'] as const) {
    if (given(fields[name])) request[name] = checkFlatObject(fields[name], name, errors);
  }

  if (errors.length > 0) throw new AppError('bad_request', 'request validation failed', { errors: errors });
  return request;
}

function given(value: unknown): boolean {
  return value !== undefined && value !== null;
}

/** chatId and userId may come as numbers (Telegram's are); bothooks carries them as strings. */
function readId(path: string, value: unknown, errors: FieldError[]): string {
  const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
  if (typeof text === 'string' && text.length > 0 && codePointLength(text) <= MAX_ID) return text;
  errors.push({ path, message: given(value) ? `${path} must be a string or a number of 1 to ${MAX_ID} characters` : `${path} is required` });
  return '';
}

function readText(path: string, value: unknown, errors: FieldError[]): string | undefined {
  if (typeof value === 'string' && codePointLength(value) <= MAX_TEXT) return value;
  errors.push({ path, message: `${path} must be a string of at most ${MAX_TEXT} characters` });
  return undefined;
}

function readNode(value: unknown, errors: FieldError[]): DispatchRequest['node'] {
  if (typeof value !== 'object' || Array.isArray(value)) {
    errors.push({ path: 'node', message: 'node must be an object' });
    return undefined;
  }
  const fields = value as Record<string, unknown>;
  for (const name of Object.keys(fields)) if (!NODE_FIELDS.has(name)) errors.push({ path: `node.${name}`, message: 'unknown field' });
  const node: NonNullable<DispatchRequest['node']> = {};
  if (given(fields.id)) node.id = readText('node.id', fields.id, errors);
  if (given(fields.name)) node.name = readText('node.name', fields.name, errors);
  return node;
}
