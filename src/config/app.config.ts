import { registerAs } from '@nestjs/config';
import { readConfiguration } from './configuration';

export const appConfig = registerAs('app', () => readConfiguration(process.env).app);
