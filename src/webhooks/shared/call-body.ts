import { isUtf8 } from 'node:buffer';

export interface CallBody {
  /** The body as text; base64 when it is not valid UTF-8. */
  text: string;
  encoding: 'utf8' | 'base64';
}

/**
 * The request body kept as the caller sent it, whatever its content type. Text that is not valid UTF-8
 * (an image, a form in Latin-1) is passed on in base64 rather than mangled with replacement characters.
 */
export function readBody(body: unknown): CallBody | null {
  if (!Buffer.isBuffer(body) || body.length === 0) return null;
  return isUtf8(body) ? { text: body.toString('utf8'), encoding: 'utf8' } : { text: body.toString('base64'), encoding: 'base64' };
}
