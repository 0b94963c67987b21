import { configSection } from './section';

export const consoleConfig = configSection('console');
