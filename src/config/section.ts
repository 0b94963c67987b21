import type { Configuration } from './configuration';

/**
 * An injection token for one section of the Configuration. Called, it picks its section out of a
 * Configuration, so `ConfigType<typeof appConfig>` is that section's type.
 */
export function configSection<K extends keyof Configuration>(name: K): ((config: Configuration) => Configuration[K]) & { KEY: string } {
  return Object.assign((config: Configuration) => config[name], { KEY: `CONFIGURATION(${name})` });
}

/** The section a token stands for: `@Inject(appConfig.KEY) app: ConfigType<typeof appConfig>`. */
export type ConfigType<T extends (config: Configuration) => unknown> = ReturnType<T>;
