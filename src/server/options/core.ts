import { join } from 'node:path';
import type { OptionSpec } from './types.js';

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
    name: 'cacheSsdAdmission',
    type: 'enum',
    group: 'cache',
    values: ['second-miss', 'always'],
    default: 'second-miss',
    doc: 'Which blocks fetched from the object store are written to the SSD tier (log cache and mount caches). `second-miss`: a block is written the second time it is fetched, so a one-pass read (a consumer catching up, a bulk export) costs no disk writes and does not push out what is read again; `always`: every fetched block, so one pass warms the SSD (costs a file write per cold block; for datasets read in several epochs).',
  },
] as const satisfies readonly OptionSpec[];
