import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Runs every `*.e2e.ts` file of a folder as a describe block of the calling test file, named after the file.
 * Jest gives each test file a module registry of its own, and loading the app into one (about 2,600 modules)
 * costs 1–2 s of CPU, which was the largest single cost of the suite; the files of a folder share one registry.
 * A file's top level runs inside its describe block, so its hooks and apps stay its own.
 * One file alone: `npm run test:e2e -- --testPathPatterns test/webhooks -t '^issue '`.
 */
export function describeFiles(folder: string): void {
  for (const file of readdirSync(folder).filter((name) => name.endsWith('.e2e.ts')).sort()) {
    describe(file.slice(0, -'.e2e.ts'.length), () => {
      require(join(folder, file));
    });
  }
}
