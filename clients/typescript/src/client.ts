import createOpenApiClient, { type Client } from 'openapi-fetch';
import type { components, paths } from './schema';

export type ErrorEnvelope = components['schemas']['ErrorEnvelope'];
/** The contract's `status.reason` word: which refusal it is. */
export type Reason = NonNullable<ErrorEnvelope['status']['reason']>;
export type FieldError = NonNullable<ErrorEnvelope['errors']>[number];
export type BothooksClient = Client<paths>;

export interface ClientOptions {
  /** Where bothooks answers, e.g. https://hooks.example.com */
  baseUrl: string;
  /** An admin key or a bot key. */
  apiKey: string;
  fetch?: (request: Request) => Promise<Response>;
}

/** An openapi-fetch client typed by bothooks' OpenAPI document, sending the key on every call. */
export function createClient({ baseUrl, apiKey, fetch }: ClientOptions): BothooksClient {
  return createOpenApiClient<paths>({ baseUrl, headers: { authorization: `Bearer ${apiKey}` }, ...(fetch ? { fetch } : {}) });
}

/** An error answer of bothooks, as its envelope (§0) describes it. */
export class BothooksError extends Error {
  override readonly name = 'BothooksError';
  /** The HTTP status. */
  readonly status: number;
  readonly type: ErrorEnvelope['status']['type'] | undefined;
  /** Branch on this, never on `message`; absent where no particular refusal applies. */
  readonly reason: Reason | undefined;
  readonly errors: FieldError[];

  constructor(status: number, envelope: ErrorEnvelope | undefined) {
    super(envelope?.status.message ?? `HTTP ${status}`);
    this.status = status;
    this.type = envelope?.status.type;
    this.reason = envelope?.status.reason;
    this.errors = envelope?.errors ?? [];
  }
}

function isEnvelope(value: unknown): value is ErrorEnvelope {
  if (typeof value !== 'object' || value === null || !('status' in value)) return false;
  const { status } = value;
  return typeof status === 'object' && status !== null && 'message' in status && typeof status.message === 'string';
}

type Result<T> = { data?: T; error?: unknown; response: Response };

/** The data of an openapi-fetch result, or a BothooksError for an error answer. */
export async function unwrap<T>(result: Result<T> | Promise<Result<T>>): Promise<T> {
  const { data, error, response } = await result;
  if (!response.ok || error !== undefined) throw new BothooksError(response.status, isEnvelope(error) ? error : undefined);
  // A 2xx without a body (openapi-fetch gives undefined) is only documented where T allows it.
  return data as T;
}
