import { existsSync } from 'node:fs';
import { join } from 'node:path';
import express, { NextFunction, Request, Response } from 'express';
import { errorEnvelope } from '../common/errors';

export const CONSOLE_PATH = '/console';

/**
 * Everything from bothooks itself, nothing inline: the build has no inline script or style (uPlot's CSS
 * is a file of the build), and the page calls only this origin's API. Images of a pasted reply are not
 * fetched from their origins either: the playground names them instead.
 */
const POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Not in src/console: the build goes to dist/console, which Vite empties first.
 *
 * The console's build (contract §8): its files, and index.html for every other path under /console so
 * that the page's own routes survive a reload. Without a build (a checkout that was never built) it says
 * so in the error envelope instead of failing.
 */
export function serveConsole(dir: string) {
  const files = express.static(dir, {
    index: false,
    redirect: false,
    fallthrough: true,
    // Vite names the assets by content hash, so they never change under a name; index.html does.
    setHeaders: (res, path) => res.setHeader('cache-control', path.includes(`${join(dir, 'assets')}`) ? 'public, max-age=31536000, immutable' : 'no-cache'),
  });
  const index = join(dir, 'index.html');
  return (req: Request, res: Response, next: NextFunction): void => {
    if (req.path !== CONSOLE_PATH && !req.path.startsWith(`${CONSOLE_PATH}/`)) return next();
    res.setHeader('content-security-policy', POLICY);
    res.setHeader('x-frame-options', 'DENY');
    res.setHeader('referrer-policy', 'no-referrer');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.status(405).setHeader('allow', 'GET, HEAD').json(errorEnvelope('method_not_allowed', 'the console is read with GET'));
      return;
    }
    if (!existsSync(index)) {
      res.status(503).json(errorEnvelope('service_unavailable', 'the console is not built: run `npm run build` (it builds into dist/console), or set CONSOLE_DIR to a build'));
      return;
    }
    const rest = req.path.slice(CONSOLE_PATH.length) || '/';
    // An asset that is not there is a 404, not the page: a stale page asking for an old hash should see it fail.
    const asAsset = rest.startsWith('/assets/');
    req.url = rest + (req.url.includes('?') ? req.url.slice(req.url.indexOf('?')) : '');
    files(req, res, (error?: unknown) => {
      if (error) return next(error);
      if (asAsset) {
        res.status(404).json(errorEnvelope('not_found', `${req.path} is not part of the console`));
        return;
      }
      res.setHeader('cache-control', 'no-cache');
      res.sendFile(index);
    });
  };
}
