import { BotsAndKeys1763700000000 } from './1763700000000-bots-and-keys';
import { Connections1763700100000 } from './1763700100000-connections';
import { Webhooks1763700200000 } from './1763700200000-webhooks';
import { InvocationBody1763700300000 } from './1763700300000-invocation-body';
import { InvocationRoute1763700400000 } from './1763700400000-invocation-route';
import { BackgroundPurge1763700500000 } from './1763700500000-background-purge';
import { Stats1763700900000 } from './1763700900000-stats';

/** Every migration, in order. Listed explicitly so the app, the CLI and the tests load the same set. */
export const migrations = [BotsAndKeys1763700000000, Connections1763700100000, Webhooks1763700200000, InvocationBody1763700300000, InvocationRoute1763700400000, BackgroundPurge1763700500000, Stats1763700900000];
