import { BotsAndKeys1763700000000 } from './1763700000000-bots-and-keys';

/** Every migration, in order. Listed explicitly so the app, the CLI and the tests load the same set. */
export const migrations = [BotsAndKeys1763700000000];
