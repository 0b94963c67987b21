import { DynamicModule, Global, Module } from '@nestjs/common';
import { appConfig } from './app.config';
import type { Configuration } from './configuration';
import { connectionsConfig } from './connections.config';
import { consoleConfig } from './console.config';
import { databaseConfig } from './database.config';
import { retentionConfig } from './retention.config';
import { securityConfig } from './security.config';
import { webhooksConfig } from './webhooks.config';

const SECTIONS = [appConfig, databaseConfig, securityConfig, webhooksConfig, connectionsConfig, retentionConfig, consoleConfig];

/**
 * Provides each section of one Configuration, read once from the environment the caller was given. Nothing
 * in the app reads the environment itself, so two apps with different settings can run in one process.
 */
@Global()
@Module({})
export class ConfigurationModule {
  static forRoot(config: Configuration): DynamicModule {
    const providers = SECTIONS.map((section) => ({ provide: section.KEY, useValue: section(config) }));
    return { module: ConfigurationModule, providers, exports: providers.map((provider) => provider.provide) };
  }
}
