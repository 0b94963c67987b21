import type { Request } from 'express';

/** The caller's address; Express has already applied TRUST_PROXY to X-Forwarded-For. */
export function clientIp(req: Request): string {
  const ip = req.ip ?? req.socket.remoteAddress ?? '';
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}
