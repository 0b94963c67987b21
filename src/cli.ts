import 'reflect-metadata';
import { DynamicModule, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ApiKey } from './auth/api-key.entity';
import { ApiKeysService } from './auth/api-keys.service';
import { ChangeNoticesModule } from './common/change-notices';
import { Bot } from './bots/bot.entity';
import { AppError } from './common/errors';
import { isObjectId, isUuid } from './common/ids';
import { Configuration, readConfiguration } from './config/configuration';
import { ConfigurationModule } from './config/configuration.module';
import { ConfigError } from './config/env';
import { DatabaseModule } from './database/database.module';

const USAGE = `Usage: npm run keys -- <command>

  create-admin            create an admin API key and print it (shown once)
  create-bot <botId>      create an API key for a bot and print it (shown once)
  revoke <keyId>          revoke a key; it answers 401 from then on
  list                    list keys: id, kind, bot, prefix, created, revoked

Uses the same database as the server (DATABASE_URL, or the embedded one in DATA_DIR, which must not
be in use by a running server).`;

@Module({
  // With the change notices, a key revoked here is refused by every running instance before this answers.
  imports: [DatabaseModule, TypeOrmModule.forFeature([ApiKey]), ChangeNoticesModule],
  providers: [ApiKeysService],
})
class KeysCliModule {
  static forRoot(config: Configuration): DynamicModule {
    return { module: KeysCliModule, imports: [ConfigurationModule.forRoot(config)] };
  }
}

async function run(args: string[], env: Record<string, string | undefined>): Promise<string> {
  const [command, arg] = args;
  if (!command || command === 'help' || command === '--help') return USAGE;
  if (!['create-admin', 'create-bot', 'revoke', 'list'].includes(command)) throw new Error(`unknown command "${command}"\n\n${USAGE}`);
  if (command === 'create-bot' && !(arg && isObjectId(arg))) throw new Error('create-bot needs a bot id (24 lowercase hex characters)');
  if (command === 'revoke' && !(arg && isUuid(arg.toLowerCase()))) throw new Error('revoke needs a key id (a UUID)');

  const config = readConfiguration(env);
  const app = await NestFactory.createApplicationContext(KeysCliModule.forRoot(config), { logger: ['error'] });
  try {
    const keys = app.get(ApiKeysService);
    switch (command) {
      case 'create-admin': {
        const { id, apiKey } = await keys.create('admin', null);
        return `created admin key ${id}\n${apiKey}`;
      }
      case 'create-bot': {
        const bot = await app.get(DataSource).getRepository(Bot).findOne({ where: { id: arg } });
        if (!bot) throw new Error(`bot ${arg} not found`);
        const { id, apiKey } = await keys.create('bot', arg);
        return `created key ${id} for bot ${arg} (${bot.name})\n${apiKey}`;
      }
      case 'revoke':
        await keys.revoke(arg.toLowerCase());
        return `revoked key ${arg}`;
      default: {
        const rows = await keys.list();
        return rows
          .map((k) => [k.id, k.kind.padEnd(5), k.botId ?? '-'.padEnd(24), `${k.prefix}…`, k.createdAt.toISOString(), k.revokedAt ? `revoked ${k.revokedAt.toISOString()}` : 'active'].join('  '))
          .join('\n');
      }
    }
  } finally {
    await app.close();
  }
}

run(process.argv.slice(2), process.env).then(
  (output) => {
    process.stdout.write(`${output}\n`);
    process.exit(0);
  },
  (error: unknown) => {
    const message = error instanceof ConfigError || error instanceof AppError || error instanceof Error ? error.message : String(error);
    process.stderr.write(`bothooks keys: ${message}\n`);
    process.exit(1);
  },
);
