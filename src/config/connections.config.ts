import { configSection } from './section';

export const connectionsConfig = configSection('connections');
