import { configSection } from './section';

export const retentionConfig = configSection('retention');
