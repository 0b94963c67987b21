import { configSection } from './section';

export const databaseConfig = configSection('database');
