import { registerAs } from '@nestjs/config';
import { readConfiguration } from './configuration';

export const databaseConfig = registerAs('database', () => readConfiguration(process.env).database);
