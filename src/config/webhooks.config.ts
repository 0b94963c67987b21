import { configSection } from './section';

export const webhooksConfig = configSection('webhooks');
