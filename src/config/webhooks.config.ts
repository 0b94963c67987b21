import { registerAs } from '@nestjs/config';
import { readConfiguration } from './configuration';

export const webhooksConfig = registerAs('webhooks', () => readConfiguration(process.env).webhooks);
