import { BotsAndKeys1763700000000 } from './1763700000000-bots-and-keys';
import { Connections1763700100000 } from './1763700100000-connections';
import { Webhooks1763700200000 } from './1763700200000-webhooks';
import { InvocationBody1763700300000 } from './1763700300000-invocation-body';
import { InvocationRoute1763700400000 } from './1763700400000-invocation-route';
import { BackgroundPurge1763700500000 } from './1763700500000-background-purge';
import { Partitions1763700600000 } from './1763700600000-partitions';
import { ListIndexes1763700650000 } from './1763700650000-list-indexes';
import { DeliveryOrder1763700700000 } from './1763700700000-delivery-order';
import { Cluster1763700800000 } from './1763700800000-cluster';
import { Stats1763700900000 } from './1763700900000-stats';
import { StatsMinutes1763701000000 } from './1763701000000-stats-minutes';
import { DropUpdateIdIndex1763701100000 } from './1763701100000-drop-update-id-index';
import { CompactedPartitions1763701200000 } from './1763701200000-compacted-partitions';
import { DropDaysOneByOne1763701300000 } from './1763701300000-drop-days-one-by-one';
import { CommandEstimate1763701400000 } from './1763701400000-command-estimate';
import { DetachBeforeDrop1763701500000 } from './1763701500000-detach-before-drop';

/** Every migration, in order. Listed explicitly so the app, the CLI and the tests load the same set. */
export const migrations = [BotsAndKeys1763700000000, Connections1763700100000, Webhooks1763700200000, InvocationBody1763700300000, InvocationRoute1763700400000, BackgroundPurge1763700500000, Partitions1763700600000, ListIndexes1763700650000, DeliveryOrder1763700700000, Cluster1763700800000, Stats1763700900000, StatsMinutes1763701000000, DropUpdateIdIndex1763701100000, CompactedPartitions1763701200000, DropDaysOneByOne1763701300000, CommandEstimate1763701400000, DetachBeforeDrop1763701500000];
