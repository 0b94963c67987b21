export * from './client';
export * from './runtime';
export * from './backend';
export * from './adapters';
export { SignatureError, type HeaderSource } from './signature';
export { listen, ListenError, type ListenOptions } from './listen';
export type { components, paths } from './schema';
