import type { OptionSpec } from './types.js';

const LOOPBACK = /^(127\.|::1$|localhost$)/;

/** MQTT listener, limits and security options (docs/reference/mqtt.md). */
export const MQTT_OPTIONS = [
  {
    name: 'mqttEnabled',
    type: 'bool',
    group: 'mqtt',
    default: true,
    doc: 'Run the MQTT frontend (TCP on `mqttPort`, plus TLS and WebSocket when configured).',
  },
  {
    name: 'mqttTlsPort',
    type: 'int',
    group: 'mqtt',
    min: 0,
    max: 65535,
    defaultDoc: '(off)',
    doc: 'MQTT over TLS port (8883 is usual); needs `mqttTlsCert` and `mqttTlsKey`. 0 picks a free port.',
  },
  { name: 'mqttTlsCert', type: 'string', group: 'mqtt', defaultDoc: '(none)', doc: 'PEM certificate chain file of the MQTT TLS listener.' },
  { name: 'mqttTlsKey', type: 'string', group: 'mqtt', secret: true, defaultDoc: '(none)', doc: 'PEM private key file of the MQTT TLS listener.' },
  { name: 'mqttTlsCa', type: 'string', group: 'mqtt', defaultDoc: '(none)', doc: 'PEM CA bundle used to verify client certificates; setting it requests a client certificate.' },
  {
    name: 'mqttTlsRequireClientCert',
    type: 'bool',
    group: 'mqtt',
    default: false,
    doc: 'Refuse TLS clients without a certificate signed by `mqttTlsCa`; the certificate CN becomes the user name.',
  },
  {
    name: 'mqttWsPath',
    type: 'string',
    group: 'mqtt',
    default: '/mqtt',
    doc: 'Path of MQTT over WebSocket on the HTTP port (subprotocol `mqtt`); empty disables it.',
  },
  {
    name: 'usersFile',
    type: 'string',
    group: 'security',
    defaultDoc: '(none)',
    doc: 'Users file (JSON, scrypt-hashed passwords, ACLs); manage it with `strata users add`.',
  },
  {
    name: 'allowAnonymous',
    type: 'bool',
    group: 'security',
    default: (c) => LOOPBACK.test(String(c.host)) && !c.usersFile,
    defaultDoc: '`true` when `host` is loopback and no `usersFile` is set',
    doc: 'Accept MQTT clients without credentials (into namespace `default`).',
  },
  { name: 'mqttMaxConnections', type: 'int', group: 'mqtt', default: 100_000, min: 1, doc: 'Most concurrent MQTT connections; more are refused.' },
  { name: 'mqttMaxPacketSize', type: 'size', group: 'mqtt', default: 1024 * 1024, defaultDoc: '1MiB', min: 64, doc: 'Largest MQTT packet accepted (announced as Maximum Packet Size); larger ones close the connection with 0x95.' },
  { name: 'mqttReceiveMaximum', type: 'int', group: 'mqtt', default: 1024, min: 1, max: 65535, doc: 'QoS 1/2 publishes a client may have unacknowledged toward the broker (Receive Maximum); more closes with 0x93.' },
  { name: 'mqttMaxInflight', type: 'int', group: 'mqtt', default: 1024, min: 1, max: 65535, doc: 'Most unacknowledged QoS 1/2 messages the broker sends one client (also bounded by the client\'s Receive Maximum).' },
  { name: 'mqttMaxQueuedMessages', type: 'int', group: 'mqtt', default: 10_000, min: 0, doc: 'QoS 1/2 messages kept per session while the client is offline or its window is full; more are dropped.' },
  { name: 'mqttMaxTopicLength', type: 'int', group: 'mqtt', default: 65535, min: 1, max: 65535, doc: 'Longest topic name or filter in bytes.' },
  { name: 'mqttTopicAliasMaximum', type: 'int', group: 'mqtt', default: 64, min: 0, max: 65535, doc: 'Topic aliases a v5 client may use toward the broker.' },
  { name: 'mqttMaxKeepAlive', type: 'int', group: 'mqtt', default: 0, defaultDoc: '0 (no cap)', min: 0, max: 65535, doc: 'Cap on the client keep-alive in seconds; v5 clients are told the cap (Server Keep Alive).' },
  { name: 'mqttMaxSessionExpiry', type: 'int', group: 'mqtt', default: 0xffffffff, defaultDoc: 'never', min: 0, doc: 'Cap on session expiry in seconds (3.1.1 persistent sessions never expire unless capped).' },
  { name: 'mqttSysInterval', type: 'duration', group: 'mqtt', default: 10_000, defaultDoc: '10s', min: 0, doc: 'How often `$SYS/broker/...` statistics are published; 0 disables them.' },
  {
    name: 'mqttLogTopics',
    type: 'list',
    group: 'mqtt',
    default: [],
    defaultDoc: '(none)',
    doc: 'MQTT filters copied to log topics, as `filter=logTopic` pairs, e.g. `sensors/#=sensors`; Kafka and HTTP clients read them.',
  },
  { name: 'mqttResponseInformation', type: 'string', group: 'mqtt', default: '', defaultDoc: '(empty)', doc: 'Response Information returned to v5 clients that request it (a prefix for response topics).' },
] as const satisfies readonly OptionSpec[];
