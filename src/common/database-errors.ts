const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', '57P01', '57P02', '57P03', '53300']);
const UNAVAILABLE_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Query read timeout',
  'Client has encountered a connection error',
  'Connection terminated unexpectedly',
  'the database system is',
  'Cannot use a pool after calling end',
];

/** True when an error means "Postgres cannot be reached right now" rather than a bug or bad data. */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const { code, message, driverError } = error as { code?: string; message?: string; driverError?: unknown };
  if (code && UNAVAILABLE_CODES.has(code)) return true;
  if (message && UNAVAILABLE_MESSAGES.some((m) => message.includes(m))) return true;
  return driverError !== undefined && driverError !== error && isDatabaseUnavailable(driverError);
}
