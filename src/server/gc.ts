/**
 * Garbage-collector settings that can be changed after V8 started (docs/operations.md#node-flags): V8 reads
 * `--[no-]parallel-scavenge` at every young-generation collection and `--heap-growing-percent` whenever it sets
 * the next old-generation limit. `--single-threaded-gc` (which aborted V8 when set at run time), the semi-space
 * sizes and `--initial-heap-size` (read once, when the heap is set up) only work on the node command line.
 */
import { setFlagsFromString } from 'node:v8';

export type GcParallelScavenge = 'node' | 'on' | 'off';

export interface GcSettings {
  parallelScavenge: GcParallelScavenge;
  /** 0 = V8's adaptive factor. */
  heapGrowingPercent: number;
}

/** The GC settings of a resolved configuration (what `strata start` applies). */
export function gcSettingsOf(config: { gcParallelScavenge: GcParallelScavenge; gcHeapGrowingPercent: number }): GcSettings {
  return { parallelScavenge: config.gcParallelScavenge, heapGrowingPercent: config.gcHeapGrowingPercent };
}

/** Applies the settings to this process ('node' / 0 leave Node's and V8's own). */
export function applyGcSettings({ parallelScavenge, heapGrowingPercent }: GcSettings): void {
  if (parallelScavenge !== 'node') setFlagsFromString(parallelScavenge === 'on' ? '--parallel-scavenge' : '--no-parallel-scavenge');
  if (heapGrowingPercent > 0) setFlagsFromString(`--heap-growing-percent=${Math.trunc(heapGrowingPercent)}`);
}
