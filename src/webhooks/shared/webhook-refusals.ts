import { refuser } from '../../common/errors';

/** Why an issued URL's call is refused (contract §0), each with the one status it answers. */
export const WEBHOOK_REFUSALS = {
  url_signature_invalid: 403,
  url_expired: 410,
  url_revoked: 410,
  url_used: 410,
  url_key_rotated: 410,
  bot_deleted: 404,
  idempotency_in_flight: 409,
  runtime_timeout: 503,
  runtime_unreachable: 503,
  runtime_bad_reply: 503,
  runtime_error: 503,
} as const;

export type WebhookRefusal = keyof typeof WEBHOOK_REFUSALS;

export const refuse = refuser(WEBHOOK_REFUSALS);
