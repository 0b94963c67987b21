import type { Configuration } from './configuration';

/**
 * An injection token for one section of the Configuration. Called, it picks its section out of a
 * Configuration, so `ConfigType<typeof appConfig>` is that section's type, as it was with `registerAs`.
 */
export function configSection<K extends keyof Configuration>(name: K): ((config: Configuration) => Configuration[K]) & { KEY: string } {
  return Object.assign((config: Configuration) => config[name], { KEY: `CONFIGURATION(${name})` });
}
