import type { OptionSpec } from './types.js';

/** Kafka wire-protocol listener options (docs/reference/kafka.md). The port is `kafkaPort` (listeners). */
export const KAFKA_OPTIONS = [
  { name: 'kafkaEnabled', type: 'bool', group: 'kafka', default: true, doc: 'Run the Kafka wire-protocol frontend on `kafkaPort`.' },
  {
    name: 'kafkaAdvertisedHost',
    type: 'string',
    group: 'kafka',
    defaultDoc: '`host` (127.0.0.1 when `host` is 0.0.0.0 or ::)',
    doc: 'Host name Kafka clients are told to connect to (Metadata and FindCoordinator answers).',
  },
  { name: 'kafkaAdvertisedPort', type: 'int', group: 'kafka', min: 1, max: 65535, defaultDoc: '(the bound port)', doc: 'Port Kafka clients are told to connect to, when a proxy or NAT changes it.' },
  {
    name: 'kafkaTlsPort',
    type: 'int',
    group: 'kafka',
    min: 0,
    max: 65535,
    defaultDoc: '(off)',
    doc: 'Kafka over TLS port (9093 is usual); needs `kafkaTlsCert` and `kafkaTlsKey`. 0 picks a free port.',
  },
  { name: 'kafkaTlsCert', type: 'string', group: 'kafka', defaultDoc: '(none)', doc: 'PEM certificate chain file of the Kafka TLS listener.' },
  { name: 'kafkaTlsKey', type: 'string', group: 'kafka', secret: true, defaultDoc: '(none)', doc: 'PEM private key file of the Kafka TLS listener.' },
  { name: 'kafkaNamespace', type: 'string', group: 'kafka', default: 'default', doc: 'Namespace of Kafka topics and groups for clients that do not authenticate (SASL users carry their own).' },
  { name: 'kafkaAutoCreateTopics', type: 'bool', group: 'kafka', default: true, doc: 'Create a topic when a client produces to it or asks for its metadata (Kafka `auto.create.topics.enable`).' },
  { name: 'kafkaDefaultPartitions', type: 'int', group: 'kafka', default: 1, min: 1, max: 10_000, doc: 'Partitions of auto-created topics and of CreateTopics with num_partitions -1 (Kafka `num.partitions`).' },
  { name: 'kafkaIdleTimeout', type: 'duration', group: 'kafka', default: 600_000, defaultDoc: '10m', min: 0, doc: 'Close Kafka connections idle this long (Kafka: connections.max.idle.ms); 0 never closes them.' },
  {
    name: 'kafkaMaxRequestSize',
    type: 'size',
    group: 'kafka',
    default: 100 * 1024 * 1024,
    defaultDoc: '100MiB',
    min: 1024,
    doc: 'Largest Kafka request frame accepted; a larger size prefix closes the connection (Kafka `socket.request.max.bytes`).',
  },
  {
    name: 'kafkaGroupInitialRebalanceDelay',
    type: 'duration',
    group: 'kafka',
    default: 3000,
    defaultDoc: '3s',
    min: 0,
    doc: 'How long the first rebalance of an empty group waits for more members (Kafka `group.initial.rebalance.delay.ms`).',
  },
  { name: 'kafkaGroupMinSessionTimeout', type: 'duration', group: 'kafka', default: 6000, defaultDoc: '6s', min: 1, doc: 'Smallest session timeout a group member may ask for (Kafka `group.min.session.timeout.ms`).' },
  { name: 'kafkaGroupMaxSessionTimeout', type: 'duration', group: 'kafka', default: 1_800_000, defaultDoc: '30m', min: 1, doc: 'Largest session timeout a group member may ask for (Kafka `group.max.session.timeout.ms`).' },
] as const satisfies readonly OptionSpec[];
