/**
 * Garbage-collector settings that can be changed after V8 started (docs/operations.md#node-flags). Only
 * `--[no-]parallel-scavenge` qualifies: V8 reads it at every young-generation collection, whereas
 * `--single-threaded-gc` (which aborts V8 when set at run time) and the semi-space sizes (not allowed in
 * NODE_OPTIONS) only work on the node command line.
 */
import { availableParallelism } from 'node:os';
import { setFlagsFromString } from 'node:v8';

export type GcParallelScavenge = 'auto' | 'on' | 'off';

/** Flags on the node command line (or in NODE_OPTIONS) that already decide it. */
const DECIDING = /^--(no[-_])?parallel[-_]scavenge(=.*)?$|^--single[-_]threaded[-_]gc(=.*)?$/;

/**
 * Whether scavenges should run on helper threads: true/false to set, undefined to leave Node's setting (auto on a
 * host with more than 2 CPUs, or when the command line already decides).
 */
export function parallelScavengeSetting(mode: GcParallelScavenge, cpus: number, nodeArgs: readonly string[]): boolean | undefined {
  if (mode === 'on') return true;
  if (mode === 'off') return false;
  if (nodeArgs.some((a) => DECIDING.test(a))) return undefined;
  return cpus <= 2 ? false : undefined;
}

/** Applies the setting to this process; returns what was decided ('node default' when left alone). */
export function applyGcSettings(mode: GcParallelScavenge): { parallelScavenge: 'on' | 'off' | 'node default'; cpus: number } {
  const cpus = availableParallelism();
  const nodeArgs = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/).filter(Boolean)];
  const on = parallelScavengeSetting(mode, cpus, nodeArgs);
  if (on === undefined) return { parallelScavenge: 'node default', cpus };
  setFlagsFromString(on ? '--parallel-scavenge' : '--no-parallel-scavenge');
  return { parallelScavenge: on ? 'on' : 'off', cpus };
}
