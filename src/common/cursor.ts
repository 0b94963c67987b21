import { AppError } from './errors';

/** Opaque to callers: the position of the last item shown, which the next page starts after. */
export function encodeCursor(...parts: string[]): string {
  return Buffer.from(parts.join('|'), 'utf8').toString('base64url');
}

/** The parts a cursor was made of, when each passes its check; anything else is a 400 on `cursor`. */
export function decodeCursor(cursor: string, checks: ReadonlyArray<(part: string) => boolean>): string[] {
  const parts = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (parts.length !== checks.length || !parts.every((part, i) => checks[i](part))) {
    throw new AppError('bad_request', 'request validation failed', { errors: [{ path: 'cursor', message: 'cursor is not one this API returned' }] });
  }
  return parts;
}
