import 'reflect-metadata';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';
import { buildOpenApiDocument } from './common/openapi/document';
import { readConfiguration } from './config/configuration';

/**
 * Writes the OpenAPI document that `/docs-json` serves to a file, without a server or a database: in
 * preview mode Nest reads the modules' routes and decorators and instantiates nothing, so nothing connects.
 * Usage: node dist/openapi.js <file>
 */
async function main(file: string | undefined): Promise<void> {
  if (!file) {
    process.stderr.write('usage: node dist/openapi.js <file>\n');
    process.exit(2);
  }
  // An empty environment, so that the document does not depend on the shell it is written from.
  const dataDir = mkdtempSync(join(tmpdir(), 'bothooks-openapi-'));
  try {
    const config = readConfiguration({ DATA_DIR: dataDir });
    const app = await NestFactory.create(AppModule.forRoot(config), { preview: true, logger: false, abortOnError: false });
    const document = buildOpenApiDocument(app, config.app.publicUrl);
    writeFileSync(file, `${JSON.stringify(document, null, 2)}\n`);
    await app.close();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

void main(process.argv[2]);
