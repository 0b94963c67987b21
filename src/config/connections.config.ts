import { registerAs } from '@nestjs/config';
import { readConfiguration } from './configuration';

export const connectionsConfig = registerAs('connections', () => readConfiguration(process.env).connections);
