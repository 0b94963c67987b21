import { ApiKey } from '../auth/api-key.entity';
import { Bot } from '../bots/bot.entity';
import { UrlKey } from '../bots/url-key.entity';
import { Connection } from '../connections/connection.entity';

/** Every entity; feature modules add theirs here so the data source used by the CLI sees them too. */
export const entities = [Bot, UrlKey, ApiKey, Connection];
