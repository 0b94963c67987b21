import { configSection } from './section';

export const appConfig = configSection('app');
