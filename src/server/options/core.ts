import { totalmem } from 'node:os';
import { join } from 'node:path';
import type { OptionSpec } from './types.js';

const MiB = 1024 * 1024;

/** The memory this process may use: its cgroup limit when it has one (a container), else the machine's RAM. */
export function memoryLimit(): number {
  const total = totalmem();
  const limit = process.constrainedMemory?.() ?? 0; // 0, or 2^64 - 1 on cgroup v2 without a limit, when unconstrained
  return limit > 0 && limit < total ? limit : total;
}

/**
 * The default memory tier of the topic log cache: 1/8 of the memory the process may use, 256 MiB to 8 GiB. The
 * memory tier is Strata's page cache: Kafka serves recent data from the OS page cache, which takes whatever
 * memory is free; a fixed 256 MiB sent a consumer 300 MB behind to the SSD tier even on a machine with
 * gigabytes free. Memory is only taken as data flows through; an idle node uses none of it.
 */
export function defaultCacheMemory(limit = memoryLimit()): number {
  return Math.min(8 * 1024 * MiB, Math.max(256 * MiB, Math.floor(limit / 8 / MiB) * MiB));
}

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

/** Process, logging and listener options. */
export const CORE_OPTIONS = [
  {
    name: 'dataDir',
    type: 'string',
    group: 'process',
    default: './data',
    doc: 'Directory for local state: the embedded object store and the SSD cache tier live under it.',
  },
  {
    name: 'logLevel',
    type: 'enum',
    values: LOG_LEVELS,
    group: 'process',
    default: 'info',
    doc: 'Default log level of every component.',
  },
  {
    name: 'logLevels',
    type: 'list',
    group: 'process',
    default: [],
    defaultDoc: '(none)',
    doc: 'Per-component log levels, e.g. `store=debug,mqtt=warn`; components: server, store, cache, log, http, mqtt, kafka.',
  },
  {
    name: 'shutdownTimeout',
    type: 'duration',
    group: 'process',
    default: 30_000,
    defaultDoc: '30s',
    min: 0,
    doc: 'How long a graceful shutdown may take before the process exits anyway (ms, or 10s, 1m).',
  },
  {
    name: 'gcParallelScavenge',
    type: 'enum',
    values: ['node', 'on', 'off'],
    group: 'process',
    default: 'node',
    doc: "V8's parallel young-generation collection (helper threads woken for every scavenge), set at start. `node`: Node's setting (parallel, unless the node command line says otherwise). `off` suits a 1-2 vCPU host shared with its clients (request/response through MQTT used ~20 % less broker CPU per request) but costs throughput when the broker has a core to spare (MQTT fan-in 15-20 % lower); see docs/operations.md#node-flags.",
  },
  {
    name: 'gcHeapGrowingPercent',
    type: 'int',
    group: 'process',
    default: 300,
    min: 0,
    max: 1000,
    doc: "V8's old-generation growing factor, as 1 + percent/100, set at start: how far the JavaScript heap may grow past what the last full collection kept before the next one starts. Strata's live heap is small and its buffers churn, so V8's adaptive factor (0 = leave it) ran ~8 full collections per second under Kafka load; 300 (×4) ran ~1 and consumed 50-80 % faster. Costs up to ~3× the live heap (tens of MB) of extra memory.",
  },
  {
    name: 'host',
    type: 'string',
    group: 'listeners',
    default: '127.0.0.1',
    doc: 'Address every listener binds. Loopback by default because no authentication is configured yet; use 0.0.0.0 to accept remote clients (the Docker image does).',
  },
  {
    name: 'httpPort',
    type: 'int',
    group: 'listeners',
    default: 8080,
    min: 0,
    max: 65535,
    doc: 'HTTP API port (health, metrics, admin and data API). 0 picks a free port.',
  },
  {
    name: 'mqttPort',
    type: 'int',
    group: 'listeners',
    default: 1883,
    min: 0,
    max: 65535,
    doc: 'MQTT over TCP port. 0 picks a free port.',
  },
  {
    name: 'kafkaPort',
    type: 'int',
    group: 'listeners',
    default: 9092,
    min: 0,
    max: 65535,
    doc: 'Kafka wire-protocol port. 0 picks a free port.',
  },
  {
    name: 'cacheDir',
    type: 'string',
    group: 'cache',
    default: (c) => join(String(c.dataDir), 'cache'),
    defaultDoc: '<dataDir>/cache',
    doc: 'Directory of the SSD cache tier. Only a cache: deleting it loses nothing.',
  },
  {
    name: 'cacheMemory',
    type: 'size',
    group: 'cache',
    default: () => defaultCacheMemory(),
    defaultDoc: '1/8 of memory, 256MiB–8GiB',
    min: 8 * 1024 * 1024,
    doc: 'Memory tier of the topic log read cache (8 MiB blocks): recent writes are served from it without a GET, and consumers catching up read through it. Size it to the tail your consumers re-read; the process uses up to about this much more memory as data flows through. Default: 1/8 of the memory the process may use (its cgroup limit in a container, else the machine\'s RAM), at least 256 MiB and at most 8 GiB; `strata start` logs the size it chose.',
  },
  {
    name: 'cacheSsd',
    type: 'size',
    group: 'cache',
    default: 2 * 1024 * 1024 * 1024,
    defaultDoc: '2GiB',
    min: 0,
    doc: 'SSD tier budget of the topic log read cache, under `<cacheDir>/log/`; 0 = memory only. Written data that no consumer read while it was in memory moves here when memory evicts it, so a consumer that falls behind reads local disk, not the object store.',
  },
  {
    name: 'cacheSsdAdmission',
    type: 'enum',
    group: 'cache',
    values: ['second-miss', 'always'],
    default: 'second-miss',
    doc: 'Which blocks fetched from the object store are written to the SSD tier (log cache and mount caches). `second-miss`: a block is written the second time it is fetched, so a one-pass read (a consumer catching up, a bulk export) costs no disk writes and does not push out what is read again; `always`: every fetched block, so one pass warms the SSD (costs a file write per cold block; for datasets read in several epochs).',
  },
] as const satisfies readonly OptionSpec[];
