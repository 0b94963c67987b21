import type { CONNECTION_REFUSALS } from '../connections/connection-refusals';
import type { WEBHOOK_REFUSALS } from '../webhooks/shared/webhook-refusals';

/** The contract's error types, each tied to one HTTP status. */
const ERROR_STATUS = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  gone: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unprocessable_entity: 422,
  too_many_requests: 429,
  internal_error: 500,
  bad_gateway: 502,
  service_unavailable: 503,
  gateway_timeout: 504,
} as const;

export type ErrorType = keyof typeof ERROR_STATUS;

export const ERROR_TYPES = Object.keys(ERROR_STATUS) as ErrorType[];

const TYPE_BY_STATUS = new Map<number, ErrorType>(
  Object.entries(ERROR_STATUS).map(([type, status]) => [status, type as ErrorType]),
);

export function errorTypeFor(status: number): ErrorType {
  return TYPE_BY_STATUS.get(status) ?? (status >= 500 ? 'internal_error' : 'bad_request');
}

export interface FieldError {
  path: string;
  message: string;
}

/**
 * Reasons the plumbing gives (§0); each feature keeps its own table beside its code (`WEBHOOK_REFUSALS`,
 * `CONNECTION_REFUSALS`). A reason's status is written only in its table.
 */
export const COMMON_REFUSALS = {
  database_unavailable: 503,
  rate_limited: 429,
} as const;

/** Not in a table: it answers both 400 and 422, and every 400 or 422 that names no other reason carries it. */
export const VALIDATION_FAILED = 'validation_failed';

/**
 * The contract's `status.reason` words (§0): which refusal an error is, for clients to branch on. Stable;
 * a new word is a contract change.
 */
export type Reason =
  | keyof typeof COMMON_REFUSALS
  | keyof typeof WEBHOOK_REFUSALS
  | keyof typeof CONNECTION_REFUSALS
  | typeof VALIDATION_FAILED;

export interface AppErrorOptions {
  /** Field-level problems, each with its path. */
  errors?: FieldError[];
  /** Headers the answer carries (Retry-After, Allow). */
  headers?: Record<string, string>;
}

/**
 * What services throw for every failure a caller should see. The global filter turns it into the
 * contract's error envelope; nothing else needs to know about HTTP.
 */
export class AppError extends Error {
  readonly status: number;
  readonly errors?: FieldError[];
  readonly headers?: Record<string, string>;
  readonly reason?: Reason;

  constructor(
    readonly type: ErrorType,
    message: string,
    options: AppErrorOptions = {},
  ) {
    super(message);
    this.name = 'AppError';
    this.status = ERROR_STATUS[type];
    this.errors = options.errors;
    this.headers = options.headers;
    this.reason = defaultReason(type);
  }
}

/** An AppError that names its reason; its status is the one the reason's table gives. */
class Refusal extends AppError {
  override readonly reason: Reason;

  constructor(reason: Reason, status: number, message: string, options: AppErrorOptions = {}) {
    super(errorTypeFor(status), message, options);
    this.name = 'Refusal';
    this.reason = reason;
  }
}

/** `refuse(reason, message, options?)` for one feature's table, so no caller picks the status itself. */
export function refuser<T extends Readonly<Partial<Record<Reason, number>>>>(table: T) {
  return (reason: keyof T & Reason, message: string, options?: AppErrorOptions): Refusal => new Refusal(reason, table[reason]!, message, options);
}

export const refuse = refuser(COMMON_REFUSALS);

export interface ErrorEnvelope {
  timestamp: string;
  status: { code: number; type: ErrorType; message: string; reason?: Reason };
  errors?: FieldError[];
}

/** Every 400 and 422 is the caller's input failing a rule; other statuses name their reason where they throw. */
function defaultReason(type: ErrorType): Reason | undefined {
  return type === 'bad_request' || type === 'unprocessable_entity' ? VALIDATION_FAILED : undefined;
}

export function errorEnvelope(type: ErrorType, message: string, errors?: FieldError[], reason?: Reason): ErrorEnvelope {
  const status: ErrorEnvelope['status'] = { code: ERROR_STATUS[type], type, message };
  const given = reason ?? defaultReason(type);
  if (given !== undefined) status.reason = given;
  const envelope: ErrorEnvelope = { timestamp: new Date().toISOString(), status };
  if (errors && errors.length > 0) envelope.errors = errors;
  return envelope;
}

/** The body of a successful call that has nothing else to say (chatbot.com's shape). */
export function successEnvelope(code = 200, type = 'success'): { timestamp: string; status: { code: number; type: string } } {
  return { timestamp: new Date().toISOString(), status: { code, type } };
}
