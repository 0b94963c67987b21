import { isUtf8 } from 'node:buffer';
import type { AppError, FieldError } from '../common/errors';
import { refuse } from './connection-refusals';
import { storableText } from '../common/storable-text';
import type { OutboundError, OutboundResponse } from '../common/outbound/outbound-client';
import { violationCount } from '../responses/response-validator';
import type { NormalizedReply, ReplyValidation } from '../responses/response.types';

/** chatbot.com's cap on a backend's reply. */
export const MAX_REPLY_BYTES = 64 * 1024;
/** A connection's `error` is a one-line summary; the envelope and the delivery carry the detail. */
const MAX_ERROR_LENGTH = 1024;

export type DispatchOutcome =
  | { ok: true; httpStatus: number; durationMs: number; responseBody: string; reply: NormalizedReply }
  | { ok: false; httpStatus: number | null; durationMs: number; responseBody: string | null; error: string; failure: AppError };

/**
 * Judges what a backend answered, chatbot.com style: non-2xx is `Request failed with status code <n>`;
 * a 2xx body must be empty or a valid reply (contract §5), and every violation is listed with its path.
 */
export function judgeResponse(response: OutboundResponse, validate: (reply: unknown) => ReplyValidation): DispatchOutcome {
  const { status, durationMs } = response;
  const text = storableText(response.body.toString('utf8'));
  if (status < 200 || status > 299) {
    const message = `Request failed with status code ${status}`;
    return failed(status, durationMs, text, message, refuse('backend_status', message));
  }
  // Decoding would quietly turn broken bytes into U+FFFD and pass them on to the chat as if the backend had said so.
  if (!isUtf8(response.body)) {
    const message = "the backend's reply is not valid UTF-8";
    return failed(status, durationMs, text, message, refuse('backend_bad_reply', message, { errors: [{ path: '', message: 'is not valid UTF-8' }] }));
  }
  // §4.3 lets a reply start with a UTF-8 byte order mark, which JSON.parse refuses.
  const json = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (json.trim() === '') return { ok: true, httpStatus: status, durationMs, responseBody: text, reply: { responses: [], attributes: {} } };

  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    const message = "the backend's reply is not valid JSON";
    return failed(status, durationMs, text, message, refuse('backend_bad_reply', message, { errors: [{ path: '', message: 'is not valid JSON' }] }));
  }
  const result = validate(parsed);
  if (!result.valid) {
    const message = `the backend's reply is not valid: ${violationCount(result)}`;
    return failed(status, durationMs, text, summarize(result.errors), refuse('backend_bad_reply', message, { errors: result.errors }));
  }
  return { ok: true, httpStatus: status, durationMs, responseBody: text, reply: result.normalized };
}

/** A call that got no usable answer: 504 for the deadline, 502 for everything else. */
export function judgeFailure(error: OutboundError, durationMs: number): DispatchOutcome {
  switch (error.kind) {
    case 'timeout':
      return failed(null, durationMs, null, error.message, refuse('backend_timeout', error.message));
    case 'too_large': {
      const message = `the backend's reply exceeds ${MAX_REPLY_BYTES} bytes`;
      return failed(null, durationMs, null, message, refuse('backend_bad_reply', message, { errors: [{ path: '', message: `exceeds ${MAX_REPLY_BYTES} bytes` }] }));
    }
    default:
      return failed(null, durationMs, null, error.message, refuse('backend_unreachable', error.message));
  }
}

function failed(httpStatus: number | null, durationMs: number, responseBody: string | null, error: string, failure: AppError): DispatchOutcome {
  return { ok: false, httpStatus, durationMs, responseBody, error: error.slice(0, MAX_ERROR_LENGTH), failure };
}

/** The violations in one line, for the connection's `error`: `…not valid: responses[0].message is required; …`. */
function summarize(errors: FieldError[]): string {
  const parts = errors.map((e) => (e.path ? `${e.path} ${e.message}` : e.message));
  let summary = `the backend's reply is not valid: ${parts.join('; ')}`;
  if (summary.length > MAX_ERROR_LENGTH) summary = `${summary.slice(0, MAX_ERROR_LENGTH - 1)}…`;
  return summary;
}
