/**
 * Garbage-collector settings that can be changed after V8 started (docs/operations.md#node-flags). Only
 * `--[no-]parallel-scavenge` qualifies: V8 reads it at every young-generation collection, whereas
 * `--single-threaded-gc` (which aborted V8 when set at run time) and the semi-space sizes (not allowed in
 * NODE_OPTIONS) only work on the node command line.
 */
import { setFlagsFromString } from 'node:v8';

export type GcParallelScavenge = 'node' | 'on' | 'off';

/** Applies the setting to this process; returns what is in force ('node' when left to Node). */
export function applyGcSettings(mode: GcParallelScavenge): { parallelScavenge: GcParallelScavenge } {
  if (mode !== 'node') setFlagsFromString(mode === 'on' ? '--parallel-scavenge' : '--no-parallel-scavenge');
  return { parallelScavenge: mode };
}
