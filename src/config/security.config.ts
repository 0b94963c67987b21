import { configSection } from './section';

export const securityConfig = configSection('security');
