import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** When the newest file under `path` (a file or a folder, node_modules left out) was last changed, in ms. */
export function newestChange(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    if (entry.name === 'node_modules') continue;
    newest = Math.max(newest, newestChange(join(path, entry.name)));
  }
  return newest;
}

/** Whether `built` exists and was written after the last change to every one of `sources`. */
export function builtAfter(built: string, sources: string[]): boolean {
  let at: number;
  try {
    at = newestChange(built);
  } catch {
    return false;
  }
  return sources.every((source) => newestChange(source) < at);
}
