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
 * What services throw for every failure a caller should see. The global filter turns it into the
 * contract's error envelope; nothing else needs to know about HTTP.
 */
export class AppError extends Error {
  readonly status: number;

  constructor(
    readonly type: ErrorType,
    message: string,
    readonly errors?: FieldError[],
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'AppError';
    this.status = ERROR_STATUS[type];
  }
}

export interface ErrorEnvelope {
  timestamp: string;
  status: { code: number; type: ErrorType; message: string };
  errors?: FieldError[];
}

export function errorEnvelope(type: ErrorType, message: string, errors?: FieldError[]): ErrorEnvelope {
  const envelope: ErrorEnvelope = { timestamp: new Date().toISOString(), status: { code: ERROR_STATUS[type], type, message } };
  if (errors && errors.length > 0) envelope.errors = errors;
  return envelope;
}

/** The body of a successful call that has nothing else to say (chatbot.com's shape). */
export function successEnvelope(code = 200, type = 'success'): { timestamp: string; status: { code: number; type: string } } {
  return { timestamp: new Date().toISOString(), status: { code, type } };
}
