/** The contract's error types, each tied to one HTTP status. */
export const ERROR_STATUS = {
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
 * The contract's `status.reason` words (§0): which refusal an error is, for clients to branch on. Stable;
 * a new word is a contract change.
 */
export const REASONS = [
  'url_signature_invalid',
  'url_expired',
  'url_revoked',
  'url_used',
  'url_key_rotated',
  'bot_deleted',
  'idempotency_in_flight',
  'verification_failed',
  'circuit_open',
  'runtime_timeout',
  'runtime_unreachable',
  'runtime_bad_reply',
  'runtime_error',
  'backend_status',
  'backend_bad_reply',
  'backend_unreachable',
  'backend_timeout',
  'database_unavailable',
  'rate_limited',
  'validation_failed',
] as const;

export type Reason = (typeof REASONS)[number];

export interface AppErrorOptions {
  /** Field-level problems, each with its path. */
  errors?: FieldError[];
  /** Headers the answer carries (Retry-After, Allow). */
  headers?: Record<string, string>;
  /** Defaults to `validation_failed` on a 400 or 422. */
  reason?: Reason;
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
    this.reason = options.reason ?? defaultReason(type);
  }
}

export interface ErrorEnvelope {
  timestamp: string;
  status: { code: number; type: ErrorType; message: string; reason?: Reason };
  errors?: FieldError[];
}

/** Every 400 and 422 is the caller's input failing a rule; other statuses name their reason where they throw. */
export function defaultReason(type: ErrorType): Reason | undefined {
  return type === 'bad_request' || type === 'unprocessable_entity' ? 'validation_failed' : undefined;
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
