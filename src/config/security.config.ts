import { registerAs } from '@nestjs/config';
import { readConfiguration } from './configuration';

export const securityConfig = registerAs('security', () => readConfiguration(process.env).security);
