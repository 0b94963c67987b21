import { refuser } from '../common/errors';

/** Why a dispatch is refused or failed (contract §0), each with the one status it answers. */
export const CONNECTION_REFUSALS = {
  verification_failed: 409,
  circuit_open: 503,
  backend_status: 502,
  backend_bad_reply: 502,
  backend_unreachable: 502,
  backend_timeout: 504,
} as const;

export const refuse = refuser(CONNECTION_REFUSALS);
