import { refuse as refuseConnection } from '../connections/connection-refusals';
import { refuse as refuseWebhook } from '../webhooks/shared/webhook-refusals';
import { AppError, errorEnvelope, refuse as refuseCommon, Reason } from './errors';

/** Contract §0, as written there: each reason with its one status. */
const CONTRACT: Array<[Reason, number, (reason: never, message: string) => AppError]> = [
  ['url_signature_invalid', 403, refuseWebhook],
  ['url_expired', 410, refuseWebhook],
  ['url_revoked', 410, refuseWebhook],
  ['url_used', 410, refuseWebhook],
  ['url_key_rotated', 410, refuseWebhook],
  ['bot_deleted', 404, refuseWebhook],
  ['idempotency_in_flight', 409, refuseWebhook],
  ['runtime_timeout', 503, refuseWebhook],
  ['runtime_unreachable', 503, refuseWebhook],
  ['runtime_bad_reply', 503, refuseWebhook],
  ['runtime_error', 503, refuseWebhook],
  ['verification_failed', 409, refuseConnection],
  ['circuit_open', 503, refuseConnection],
  ['backend_status', 502, refuseConnection],
  ['backend_bad_reply', 502, refuseConnection],
  ['backend_unreachable', 502, refuseConnection],
  ['backend_timeout', 504, refuseConnection],
  ['database_unavailable', 503, refuseCommon],
  ['rate_limited', 429, refuseCommon],
];

describe('refusals', () => {
  it.each(CONTRACT)('%s is refused with status %d and carries its reason into the envelope', (reason, status, refuse) => {
    const error = refuse(reason as never, 'refused');
    expect(error).toBeInstanceOf(AppError);
    expect(error.status).toBe(status);
    expect(errorEnvelope(error.type, error.message, error.errors, error.reason).status).toEqual({ code: status, type: error.type, message: 'refused', reason });
  });

  it('keeps field errors and headers a refusal is given', () => {
    const error = refuseWebhook('idempotency_in_flight', 'busy', { headers: { 'retry-after': '1' }, errors: [{ path: '', message: 'x' }] });
    expect(error.headers).toEqual({ 'retry-after': '1' });
    expect(error.errors).toEqual([{ path: '', message: 'x' }]);
  });

  it.each(['bad_request', 'unprocessable_entity'] as const)('a %s without a reason of its own is validation_failed', (type) => {
    expect(new AppError(type, 'no').reason).toBe('validation_failed');
  });

  it('a generic error of another status carries no reason', () => {
    expect(new AppError('not_found', 'connection 1 not found').reason).toBeUndefined();
  });
});
