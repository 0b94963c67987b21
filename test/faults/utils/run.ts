import { appendFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** What global setup prepared for this run: one database, one folder, one set of keys. */
export const run = {
  get databaseUrl(): string {
    return required('FAULTS_DATABASE_URL');
  },
  get dir(): string {
    return required('FAULTS_RUN_DIR');
  },
  get encryptionKey(): string {
    return required('FAULTS_ENCRYPTION_KEY');
  },
  get adminKey(): string {
    return required('FAULTS_ADMIN_API_KEY');
  },
};

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the faults suite with npm run test:faults`);
  return value;
}

/**
 * Every secret a check creates (keys, tokens, passwords, header values, signing secrets) is written down
 * here, so that the secrets check can look for all of them in the database dump and in every log line.
 */
export function rememberSecrets(...values: string[]): void {
  appendFileSync(join(run.dir, 'secrets.jsonl'), values.map((value) => `${JSON.stringify(value)}\n`).join(''));
}

export function rememberedSecrets(): string[] {
  const file = join(run.dir, 'secrets.jsonl');
  if (!existsSync(file)) return [];
  return [...new Set(readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as string))];
}

/** The log output of every app process this run started, as one text. */
export function allLogs(): string {
  const dir = join(run.dir, 'logs');
  return readdirSync(dir)
    .sort()
    .map((name) => readFileSync(join(dir, name), 'utf8'))
    .join('');
}

/** Figures for the README's reliability section, printed at the end of the run. */
export function recordFigures(check: string, figures: Record<string, unknown>): void {
  appendFileSync(join(run.dir, 'figures.jsonl'), `${JSON.stringify({ check, ...figures })}\n`);
}
